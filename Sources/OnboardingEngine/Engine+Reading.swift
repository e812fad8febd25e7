import Foundation

/// Reading the journal through the engine: the same reads whichever backend journals the runs,
/// made off the cooperative pool. Hosts and support tools use these rather than a backend's own.
extension Engine {
    /// Where the engine's journal is: its file's path, or a URL without its password.
    public var journalLocation: String { backend.location }

    /// Runs, newest first, optionally only those in `state`, with their task counts.
    public func runs(state: RunState? = nil) async throws -> [RunSummary] {
        try await backend.fetchRuns(state: state)
    }

    /// One page of the runs that match `filter`, newest first, with how many match in all and per
    /// state. Served by the journal's indexes: a filter over tens of thousands of runs is one quick read.
    ///
    /// ```swift
    /// let page = try await engine.runs(matching: RunFilter(states: [.failed], task: "import-domains"), limit: 50)
    /// ```
    ///
    /// - Parameters:
    ///   - filter: which runs; every condition set must hold.
    ///   - limit: the most runs on the page (1 or more).
    ///   - offset: how many matching runs to skip (the earlier pages).
    public func runs(matching filter: RunFilter, limit: Int = 50, offset: Int = 0) async throws -> RunPage {
        try await backend.fetchRunPage(filter, limit: max(1, limit), offset: max(0, offset), now: clock.now())
    }

    /// Where unfinished runs stopped, per workflow, task and state: "12 of 40 runs wait at
    /// enable-outbound-connector, the oldest since …". Sorted by workflow, task, state.
    public func fleetSummary() async throws -> [FleetEntry] {
        try await backend.fetchFleet()
    }

    /// Run `id`'s record.
    ///
    /// - Throws: ``EngineError`` `unknownRun`; ``JournalError`` `corrupt` for a damaged record.
    public func run(_ id: RunID) async throws -> RunRecord {
        try await backend.fetchRun(id)
    }

    /// Run `id`'s task records, in the graph's topological order.
    ///
    /// - Throws: ``EngineError`` `unknownRun`.
    public func tasks(of id: RunID) async throws -> [TaskRecord] {
        try await backend.fetchTasks(of: id)
    }

    /// Run `id`'s timeline as journaled now, oldest first, after event `sequence`. To follow a
    /// run as it goes, use ``events(of:after:pollInterval:)``.
    ///
    /// - Throws: ``EngineError`` `unknownRun`.
    public func history(of id: RunID, after sequence: Int64 = 0) async throws -> [JournalEvent] {
        try await backend.fetchEvents(of: id, after: sequence)
    }

    /// The graph run `id` follows, as journaled when it began (or when a change was accepted).
    public func graph(of id: RunID) async throws -> [TaskDescriptor] {
        try await backend.fetchGraph(of: id)
    }

    /// The workers that serve the journal: those that said they were alive within `window`.
    public func liveWorkers(within window: Duration = .seconds(10)) async throws -> [WorkerRecord] {
        try await backend.fetchLiveWorkers(now: clock.now(), window: window)
    }
}
