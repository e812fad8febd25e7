package import Foundation

/// The SQLite journal is the engine's default backend: each intent is one transaction on the
/// journal's own queue (see the `Journal+…` files for each group of intents).
extension Journal: JournalBackend {
    /// The journal file's path.
    package var location: String { path }

    package func fetchRuns(state: RunState?) async throws -> [RunSummary] {
        try await offPool { try self.runs(state: state) }
    }

    package func fetchTasks(of id: RunID) async throws -> [TaskRecord] {
        try await offPool { try self.tasks(of: id) }
    }

    package func fetchEvents(of id: RunID, after sequence: Int64) async throws -> [JournalEvent] {
        try await offPool { try self.events(of: id, after: sequence) }
    }

    package func fetchGraph(of id: RunID) async throws -> [TaskDescriptor] {
        try await offPool { try self.graph(of: id) }
    }

    package func fetchLiveWorkers(now: Date, window: Duration) async throws -> [WorkerRecord] {
        try await offPool { try self.liveWorkers(now: now, window: window) }
    }

    /// The run's record, read on the journal's queue.
    package func fetchRun(_ run: RunID) async throws -> RunRecord {
        try await perform { db in try Journal.loadRun(db, run) }
    }

    /// The run's state, and its task records once it has ended.
    package func fetchStateAndTasksIfEnded(of run: RunID) async throws -> (RunState, [TaskRecord]) {
        try await perform { db in
            let record = try Journal.loadRun(db, run)
            return (record.state, record.state.hasEnded ? try Journal.loadTasks(db, run) : [])
        }
    }

    /// The run's events after `sequence`, and its state, read together.
    package func fetchEventsAndState(of run: RunID, after sequence: Int64) async throws -> ([JournalEvent], RunState) {
        try await perform { db in (try Journal.loadEvents(db, run, after: sequence), try Journal.loadRun(db, run).state) }
    }
}
