import Foundation

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
}
