import Foundation

extension Engine {
    /// Loads a run for resumption (see ``Journal/prepareResume(_:graph:options:policy:)``) with
    /// this engine's lease, clock and crash policy.
    ///
    /// Returns `run == nil` when the run already succeeded and there is nothing to do.
    func prepareResume(
        _ id: RunID, graph: TaskGraph, options: ResumeOptions
    ) async throws -> (run: RunRecord?, records: [TaskRecord]) {
        let prepared = try await backend.prepareResume(
            id, graph: graph, options: options,
            policy: Journal.ResumePolicy(
                owner: configuration.ownerID, now: clock.now(), leaseDuration: configuration.leaseDuration,
                maxConsecutiveCrashes: configuration.maxConsecutiveCrashes, actor: configuration.actor))
        // A cancel requested while an owner that is gone ran it: the backend journaled the
        // cancellation; the resume is refused.
        if prepared.run?.state == .cancelled { throw ResumeRules.cancelledWhileRunningError(id) }
        return prepared
    }
}
