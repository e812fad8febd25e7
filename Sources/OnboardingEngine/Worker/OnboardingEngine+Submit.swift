import Foundation

/// Handing runs to workers, and following them from anywhere.
extension Engine {
    /// Journals a new run of `graph` for a worker to execute (see ``OnboardingWorker``), and
    /// returns without running anything. Idempotent by id: submitting again a run that exists
    /// with the same workflow and input does nothing.
    ///
    /// - Returns: `true` when this call created the run, `false` when it existed already.
    /// - Throws: ``EngineError`` `runExists` when a run with that id has another input or
    ///   workflow; `invalidValue` when the input does not encode; ``JournalError``.
    @discardableResult
    public func submit<Input: Encodable & Sendable>(
        _ graph: TaskGraph, id: RunID, input: Input, options: RunOptions = RunOptions()
    ) async throws -> Bool {
        let inputBytes: [UInt8]
        do {
            inputBytes = try JSONCoding.encode(input)
        } catch {
            throw EngineError(.invalidValue, "The run's input could not be encoded as JSON: \(error).", underlying: error)
        }
        let now = clock.now()
        let run = RunRecord(
            id: id, workflow: graph.workflow, fingerprint: graph.fingerprint, input: inputBytes, options: options,
            state: .running, createdAt: now, updatedAt: now, leaseOwner: nil, leaseExpiresAt: nil, cancelRequested: false)
        do {
            try await backend.createRun(
                run, graph: graph.descriptors,
                event: PendingEvent(at: now, actor: configuration.actor, action: "run.submitted", reason: "queued for a worker"))
        } catch let error as EngineError where error.code == .runExists {
            // Submitted before (one journal round trip for a new run; the comparison only for a repeat).
            let existing = try await backend.fetchRun( id)
            guard existing.workflow == graph.workflow, existing.input == inputBytes else {
                throw EngineError(
                    .runExists,
                    "Run '\(id)' exists for \(existing.workflow == graph.workflow ? "another input" : "workflow '\(existing.workflow)'"); it was not submitted again. Use another run id.",
                    runID: id)
            }
            return false
        }
        logger.info("run submitted", metadata: ["run.id": "\(id)", "workflow": "\(graph.workflow)"])
        workAvailable.signal()
        return true
    }

    /// Waits until run `id` ends (succeeds, fails or is cancelled), whichever process executes
    /// it, and returns its result. A run that parks is waited for through its parking.
    ///
    /// - Parameter pollInterval: how often the journal is looked at (real time).
    /// - Throws: ``EngineError`` `unknownRun`; `CancellationError` when the calling task is cancelled.
    public func result(of id: RunID, pollInterval: Duration = .milliseconds(100)) async throws -> RunResult {
        while true {
            let (state, tasks) = try await backend.fetchStateAndTasksIfEnded(of: id)
            if state.hasEnded { return RunResult(runID: id, state: state, tasks: tasks) }
            try await Task.sleep(for: pollInterval)
        }
    }

    /// Run `id`'s history from the journal after event `sequence`, then its new events as they
    /// are journaled, by this process or any other, until the run ends (succeeds, fails or is
    /// cancelled). Each event carries its journal sequence number: pass the last one seen to
    /// continue after a restart.
    ///
    /// - Parameter pollInterval: how often the journal is looked at for new events (real time).
    public func events(
        of id: RunID, after sequence: Int64 = 0, pollInterval: Duration = .milliseconds(100)
    ) -> AsyncThrowingStream<JournalEvent, any Error> {
        let backend = self.backend
        return AsyncThrowingStream { continuation in
            let follower = Task {
                var last = sequence
                do {
                    while true {
                        let (events, state) = try await backend.fetchEventsAndState(of: id, after: last)
                        for event in events {
                            continuation.yield(event)
                            last = event.sequence
                        }
                        if events.isEmpty && state.hasEnded { break }
                        try await Task.sleep(for: pollInterval)
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in follower.cancel() }
        }
    }

    /// Resumes run `id` with the graph `registry` builds for it.
    ///
    /// - Throws: ``EngineError`` `unknownWorkflow` when the registry has no entry for the run's
    ///   workflow; otherwise what ``resume(_:graph:options:)`` throws.
    public func resume(_ id: RunID, registry: WorkflowRegistry, options: ResumeOptions = ResumeOptions()) async throws
        -> RunResult
    {
        let record = try await backend.fetchRun( id)
        return try await resume(id, graph: try await registry.graph(for: record), options: options)
    }

    /// Asks the execution of `id` in this engine, if any, to stop starting attempts and give the
    /// run back once its running attempts finish.
    func drain(_ id: RunID) {
        activeRuns.withLock { $0[id] }?.runner.post(.drain)
    }
}

extension RunState {
    /// Succeeded, failed or cancelled: nothing runs until a person acts (and a cancelled run never).
    public var hasEnded: Bool { self == .succeeded || self == .failed || self == .cancelled }
}
