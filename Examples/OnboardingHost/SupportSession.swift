import ArgumentParser
import Foundation
import Logging
import OnboardingEngine

/// What the support commands share: an existing journal (never created), an engine on it, and
/// the host workflow's graph.
struct SupportSession {
    let journal: Journal
    let engine: OnboardingEngine

    /// Opens the journal `option` names; a missing file is a journal error, not a new journal.
    init(_ option: JournalOption) throws {
        journal = try option.openExisting()
        engine = OnboardingEngine(
            journal: journal, logger: Logger(label: "onboard", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    /// The run's record; `unknownRun` when the journal has no such run.
    func run(_ id: String) throws -> RunRecord { try journal.run(RunID(id)) }

    /// Resumes `run` with the host workflow, printing progress, then its final state; throws the
    /// run's exit code (``ExitStatus/status(for:)``) unless it succeeded.
    func resumeAndReport(_ run: RunID, actor: String, reason: String, acceptGraphChanges: Bool = false) async throws {
        let graph = try HostWorkflow.current.graph()
        let done = Set(try journal.tasks(of: run).filter { $0.state == .succeeded || $0.state == .skipped }.map(\.id))
        let result = try await withProgress(engine, graph: graph, done: done) {
            try await engine.resume(
                run, graph: graph,
                options: ResumeOptions(actor: actor, reason: reason, acceptGraphChanges: acceptGraphChanges))
        }
        print("Run \(run): \(result.state)")
        if result.state != .succeeded {
            print("See why with: onboard show \(run) --journal \(journal.path)")
        }
        let status = ExitStatus.status(for: result.state)
        if status != ExitStatus.succeeded { throw ExitCode(status) }
    }
}
