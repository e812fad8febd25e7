import Foundation
import OnboardingEngine
import PostgresNIO

/// The engine's intents on PostgreSQL, each one transaction (see ``JournalBackend``).
extension PostgresJournal: JournalBackend {
    // MARK: - Runs and the runner's commits

    package func createRun(_ run: RunRecord, graph: [TaskDescriptor], event: PendingEvent) async throws {
        let graphJSON = JSONCoding.graphJSON(graph)
        try await transaction { [self] connection in
            let leaseSeconds = run.leaseExpiresAt.map { $0.timeIntervalSince(run.createdAt) }
            var inserted = false
            for try await _ in try await connection.query(
                """
                INSERT INTO runs (id, workflow, fingerprint, graph, graph_crc, input, input_crc, options, state, dry_run,
                                  created_at, updated_at, lease_owner, lease_expires_at)
                VALUES (\(run.id.rawValue), \(run.workflow), \(run.fingerprint), \(graphJSON), \(Int64(CRC32C.checksum(graphJSON))),
                        \(Data(run.input)), \(Int64(CRC32C.checksum(run.input))), \(try JSONCoding.string(run.options)),
                        \(run.state.rawValue), \(run.options.dryRun), \(run.createdAt.timeIntervalSince1970),
                        \(run.updatedAt.timeIntervalSince1970), \(run.leaseOwner),
                        extract(epoch FROM clock_timestamp()) + \(leaseSeconds))
                ON CONFLICT (id) DO NOTHING
                RETURNING 1
                """, logger: logger
            ) { inserted = true }
            guard inserted else {
                throw EngineError(
                    .runExists, "A run with id '\(run.id)' already exists; resume it or choose another id.", runID: run.id)
            }
            try await insertTasks(connection, run: run.id, ids: graph.map(\.id), from: 0, at: run.createdAt)
            try await insertEvent(connection, run: run.id, event)
        }
    }

    /// One round trip: `onboarding_commit` (schema 2) checks the lease under the run's row lock,
    /// writes the batch's task rows and events, the run's state, the consumed messages and the
    /// lease's release with its durable timer, in one transaction.
    @discardableResult
    package func commit(_ batch: JournalBatch, run: RunID, owner: String?) async throws -> Bool {
        let rows = try Self.batchJSON(tasks: batch.tasks, events: batch.events)
        let state = batch.at == nil ? nil : batch.runState?.rawValue
        let at = batch.at?.timeIntervalSince1970
        let consumed = batch.consumedMessages
        let release = batch.releaseLease
        do {
            return try await statement { [logger] connection in
                var cancelRequested = false
                for try await cancel in try await connection.query(
                    """
                    SELECT onboarding_commit(\(run.rawValue), \(owner), \(rows.tasks)::jsonb, \(rows.events)::jsonb, \(state),
                                             \(at), \(consumed)::bigint[], \(release))
                    """, logger: logger
                ).decode(Bool.self) { cancelRequested = cancel }
                return cancelRequested
            }
        } catch let error as JournalError {
            if let refused = error.underlying as? PSQLError, refused.serverInfo?[.sqlState] == PostgresSchema.leaseLost {
                let holder = refused.serverInfo?[.detail] ?? ""
                throw LeaseErrors.lostToAnother(run, holder: holder.isEmpty ? nil : holder)
            }
            throw error
        }
    }

    package func renewLease(run: RunID, owner: String, until: Date) async throws -> Bool {
        // The length of the lease is the host's; its end is the database's clock plus that length.
        let seconds = max(0, until.timeIntervalSinceNow)
        return try await transaction { [self] connection in
            var cancelRequested: Bool?
            for try await cancel in try await connection.query(
                """
                UPDATE runs SET lease_expires_at = extract(epoch FROM clock_timestamp()) + \(seconds)
                WHERE id = \(run.rawValue) AND lease_owner = \(owner) RETURNING cancel_requested
                """, logger: logger
            ).decode(Bool.self) { cancelRequested = cancel }
            guard let cancelRequested else {
                throw LeaseErrors.notRenewed(run)
            }
            return cancelRequested
        }
    }

    // MARK: - Tasks' own storage

    package func checkpoint(run: RunID, task: TaskID) async throws -> [UInt8]? {
        try await read { [self] connection in
            var found: (Data?, Int64?)?
            for try await row in try await connection.query(
                "SELECT checkpoint, checkpoint_crc FROM tasks WHERE run_id = \(run.rawValue) AND task_id = \(task.rawValue)",
                logger: logger
            ).decode((Data?, Int64?).self) { found = row }
            guard let (data, crc) = found, let data else { return nil }
            let bytes = Array(data)
            guard crc == Int64(CRC32C.checksum(bytes)) else { throw corrupt("checkpoint of task '\(task)'", run: run) }
            return bytes
        }
    }

    package func saveCheckpoint(run: RunID, task: TaskID, _ bytes: [UInt8]?, at now: Date) async throws {
        let data = bytes.map { Data($0) }
        let crc = bytes.map { Int64(CRC32C.checksum($0)) }
        try await transaction { [self] connection in
            try await connection.query(
                """
                UPDATE tasks SET checkpoint = \(data), checkpoint_crc = \(crc), updated_at = \(now.timeIntervalSince1970)
                WHERE run_id = \(run.rawValue) AND task_id = \(task.rawValue)
                """, logger: logger)
        }
    }

    package func appendEvent(_ event: PendingEvent, run: RunID) async throws {
        try await transaction { [self] connection in
            _ = try await loadRun(connection, run, lock: true)
            try await insertEvent(connection, run: run, event)
        }
    }

    // MARK: - Reads

    package func fetchRuns(state: RunState?) async throws -> [RunSummary] {
        try await read { [self] connection in
            var summaries: [RunSummary] = []
            var positions: [String: Int] = [:]
            for try await (id, workflow, stateText, createdAt, updatedAt, dryRun) in try await connection.query(
                """
                SELECT id, workflow, state, created_at, updated_at, dry_run FROM runs
                WHERE \(state?.rawValue)::text IS NULL OR state = \(state?.rawValue) ORDER BY created_at DESC, id
                """, logger: logger
            ).decode((String, String, String, Double, Double, Bool).self) {
                positions[id] = summaries.count
                summaries.append(
                    RunSummary(
                        id: RunID(id), workflow: workflow, state: RunState(rawValue: stateText) ?? .running,
                        createdAt: Date(timeIntervalSince1970: createdAt), updatedAt: Date(timeIntervalSince1970: updatedAt),
                        taskCounts: [:], dryRun: dryRun))
            }
            for try await (run, stateText, count) in try await connection.query(
                "SELECT run_id, state, count(*)::bigint FROM tasks GROUP BY run_id, state", logger: logger
            ).decode((String, String, Int).self) {
                guard let index = positions[run], let taskState = TaskState(rawValue: stateText) else { continue }
                summaries[index].taskCounts[taskState] = count
            }
            return summaries
        }
    }

    package func fetchRun(_ id: RunID) async throws -> RunRecord {
        try await read { [self] connection in try await loadRun(connection, id) }
    }

    package func fetchTasks(of id: RunID) async throws -> [TaskRecord] {
        try await read { [self] connection in
            _ = try await loadRun(connection, id)
            return try await loadTasks(connection, id)
        }
    }

    package func fetchEvents(of id: RunID, after sequence: Int64) async throws -> [JournalEvent] {
        try await read { [self] connection in
            _ = try await loadRun(connection, id)
            return try await loadEvents(connection, id, after: sequence)
        }
    }

    package func fetchGraph(of id: RunID) async throws -> [TaskDescriptor] {
        try await read { [self] connection in try await loadGraph(connection, id) }
    }

    package func fetchStateAndTasksIfEnded(of run: RunID) async throws -> (RunState, [TaskRecord]) {
        try await transaction { [self] connection in
            let record = try await loadRun(connection, run)
            return (record.state, record.state.hasEnded ? try await loadTasks(connection, run) : [])
        }
    }

    package func fetchEventsAndState(of run: RunID, after sequence: Int64) async throws -> ([JournalEvent], RunState) {
        try await transaction { [self] connection in
            let state = try await loadRun(connection, run).state
            return (try await loadEvents(connection, run, after: sequence), state)
        }
    }

    package func fetchLiveWorkers(now: Date, window: Duration) async throws -> [WorkerRecord] {
        try await read { [self] connection in
            var workers: [WorkerRecord] = []
            let seconds = Double(window.components.seconds) + Double(window.components.attoseconds) / 1e18
            for try await (id, startedAt, heartbeatAt) in try await connection.query(
                """
                SELECT id, started_at, heartbeat_at FROM workers
                WHERE heartbeat_at > extract(epoch FROM clock_timestamp()) - \(seconds) ORDER BY started_at
                """, logger: logger
            ).decode((String, Double, Double).self) {
                workers.append(
                    WorkerRecord(
                        id: id, startedAt: Date(timeIntervalSince1970: startedAt), heartbeatAt: Date(timeIntervalSince1970: heartbeatAt)))
            }
            return workers
        }
    }
}
