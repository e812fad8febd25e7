import Foundation
import OnboardingEngine
import PostgresNIO

/// Copying runs out of and into a PostgreSQL journal (``JournalCopy``): each run read in one
/// read-only snapshot, every run written in one transaction.
extension PostgresJournal {
    package func exportRun(_ id: RunID, now: Date) async throws -> RunRows {
        try await transaction { [self] connection in
            // One snapshot for the run's rows, and no write possible in it.
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            let clock = try await databaseNow(connection)
            let rows = try await readRows(connection, id)
            if let holder = rows.leaseOwner, let expiry = rows.leaseExpiresAt, expiry > clock {
                throw LeaseErrors.heldDuringCopy(id, holder: holder, until: Date(timeIntervalSince1970: expiry))
            }
            return rows
        }
    }

    package func importRuns(
        _ next: @escaping @Sendable () async throws -> RunRows?,
        verify: @escaping @Sendable (RunRows) throws -> Void
    ) async throws {
        try await transaction { [self] connection in
            // Held to the commit: no other host adds a run (or copies into this journal) meanwhile.
            try await connection.query("LOCK TABLE runs IN SHARE ROW EXCLUSIVE MODE", logger: logger)
            var runs = 0
            let counted = try await connection.query("SELECT count(*) FROM runs", logger: logger)
            for try await count in counted.decode(Int.self) { runs = count }
            guard runs == 0 else {
                throw JournalError(
                    .notEmpty,
                    "The journal in \(location) already holds \(runs) run(s); a journal is copied only into an empty one, so nothing was written. Copy to an empty database (the journal's tables are created in it).",
                    path: location)
            }
            var copied: [RunID] = []
            while let rows = try await next() {
                try await insert(rows, connection)
                copied.append(rows.id)
            }
            // Messages sent from now on are numbered after the copied ones.
            try await connection.query(
                """
                SELECT setval(pg_get_serial_sequence('run_messages', 'seq'), coalesce(max(seq), 1), max(seq) IS NOT NULL)
                FROM run_messages
                """, logger: logger)
            for id in copied {
                try verify(try await readRows(connection, id))
            }
        }
    }

    /// Every stored row of run `id`, each graph, input, output and checkpoint checked against its checksum.
    private func readRows(_ connection: PostgresConnection, _ id: RunID) async throws -> RunRows {
        var found: RunRows?
        for try await row in try await connection.query(
            """
            SELECT workflow, fingerprint, graph, graph_crc, input, input_crc, options, state, dry_run, created_at,
                   updated_at, lease_owner, lease_expires_at, cancel_requested, wake_at
            FROM runs WHERE id = \(id.rawValue)
            """, logger: logger)
        {
            let (
                workflow, fingerprint, graph, graphCRC, input, inputCRC, options, state, dryRun, createdAt, updatedAt,
                leaseOwner, leaseExpiresAt, cancelRequested, wakeAt
            ) = try row.decode(
                (
                    String, String, String, Int64, Data, Int64, String, String, Bool, Double, Double, String?, Double?,
                    Bool, Double?
                )
                .self)
            guard Int64(CRC32C.checksum(graph)) == graphCRC else { throw corrupt("graph", run: id) }
            let bytes = Array(input)
            guard Int64(CRC32C.checksum(bytes)) == inputCRC else { throw corrupt("input", run: id) }
            guard let runState = RunState(rawValue: state) else { throw corrupt("state", run: id) }
            found = RunRows(
                id: id, workflow: workflow, fingerprint: fingerprint, graph: graph, input: bytes, options: options,
                state: runState, dryRun: dryRun, createdAt: createdAt, updatedAt: updatedAt, leaseOwner: leaseOwner,
                leaseExpiresAt: leaseExpiresAt, cancelRequested: cancelRequested, wakeAt: wakeAt)
        }
        guard var rows = found else {
            throw EngineError(.unknownRun, "There is no run '\(id)' in this journal.", runID: id)
        }
        for try await row in try await connection.query(
            """
            SELECT task_id, position, state, attempts, crashes, output, output_crc, error, park, confirmation,
                   observation, checkpoint, checkpoint_crc, next_attempt_at, updated_at
            FROM tasks WHERE run_id = \(id.rawValue) ORDER BY position
            """, logger: logger)
        {
            let (
                task, position, state, attempts, crashes, output, outputCRC, error, park, confirmation, observation,
                checkpoint, checkpointCRC, nextAttemptAt, updatedAt
            ) = try row.decode(
                (
                    String, Int, String, Int, Int, Data?, Int64?, String?, String?, String?, String?, Data?, Int64?,
                    Double?, Double
                )
                .self)
            guard let taskState = TaskState(rawValue: state) else { throw corrupt("state of task '\(task)'", run: id) }
            rows.tasks.append(
                RunRows.Task(
                    id: TaskID(task), position: position, state: taskState, attempts: attempts, crashes: crashes,
                    output: try verified(output, outputCRC, "output of task '\(task)'", run: id), error: error,
                    park: park, confirmation: confirmation, observation: observation,
                    checkpoint: try verified(checkpoint, checkpointCRC, "checkpoint of task '\(task)'", run: id),
                    nextAttemptAt: nextAttemptAt, updatedAt: updatedAt))
        }
        for try await (sequence, task, at, actor, action, reason, attempt) in try await connection.query(
            "SELECT seq, task_id, at, actor, action, reason, attempt FROM events WHERE run_id = \(id.rawValue) ORDER BY seq",
            logger: logger
        ).decode((Int64, String?, Double, String, String, String?, Int?).self) {
            rows.events.append(
                RunRows.Event(
                    sequence: sequence, taskID: task.map { TaskID($0) }, at: at, actor: actor, action: action,
                    reason: reason, attempt: attempt))
        }
        for try await (sequence, kind, task, actor, note, at) in try await connection.query(
            "SELECT seq, kind, task_id, actor, note, at FROM run_messages WHERE run_id = \(id.rawValue) ORDER BY seq",
            logger: logger
        ).decode((Int64, String, String?, String, String?, Double).self) {
            rows.messages.append(
                RunRows.Message(
                    sequence: sequence, kind: kind, taskID: task.map { TaskID($0) }, actor: actor, note: note, at: at))
        }
        return rows
    }

    /// `data`'s bytes when they match `checksum`.
    private func verified(_ data: Data?, _ checksum: Int64?, _ what: String, run: RunID) throws -> [UInt8]? {
        guard let data else { return nil }
        let bytes = Array(data)
        guard checksum == Int64(CRC32C.checksum(bytes)) else { throw corrupt(what, run: run) }
        return bytes
    }

    /// Writes one run's rows as they are, with the checksums of their bytes, a few hundred rows a statement.
    private func insert(_ rows: RunRows, _ connection: PostgresConnection) async throws {
        let run = rows.id.rawValue
        try await connection.query(
            """
            INSERT INTO runs (id, workflow, fingerprint, graph, graph_crc, input, input_crc, options, state, dry_run,
                              created_at, updated_at, lease_owner, lease_expires_at, cancel_requested, wake_at)
            VALUES (\(run), \(rows.workflow), \(rows.fingerprint), \(rows.graph), \(Int64(CRC32C.checksum(rows.graph))),
                    \(Data(rows.input)), \(Int64(CRC32C.checksum(rows.input))), \(rows.options), \(rows.state.rawValue),
                    \(rows.dryRun), \(rows.createdAt), \(rows.updatedAt), \(rows.leaseOwner), \(rows.leaseExpiresAt),
                    \(rows.cancelRequested), \(rows.wakeAt))
            """, logger: logger)
        try await insert(
            into: "tasks",
            columns: [
                "run_id", "task_id", "position", "state", "attempts", "crashes", "output", "output_crc", "error",
                "park", "confirmation", "observation", "checkpoint", "checkpoint_crc", "next_attempt_at", "updated_at",
            ],
            rows.tasks, connection
        ) { task, bindings in
            bindings.append(run)
            bindings.append(task.id.rawValue)
            bindings.append(task.position)
            bindings.append(task.state.rawValue)
            bindings.append(task.attempts)
            bindings.append(task.crashes)
            try bindings.append(task.output.map { Data($0) })
            bindings.append(task.output.map { Int64(CRC32C.checksum($0)) })
            bindings.append(task.error)
            bindings.append(task.park)
            bindings.append(task.confirmation)
            bindings.append(task.observation)
            try bindings.append(task.checkpoint.map { Data($0) })
            bindings.append(task.checkpoint.map { Int64(CRC32C.checksum($0)) })
            bindings.append(task.nextAttemptAt)
            bindings.append(task.updatedAt)
        }
        try await insert(
            into: "events", columns: ["run_id", "seq", "task_id", "at", "actor", "action", "reason", "attempt"],
            rows.events, connection
        ) { event, bindings in
            bindings.append(run)
            bindings.append(event.sequence)
            bindings.append(event.taskID?.rawValue)
            bindings.append(event.at)
            bindings.append(event.actor)
            bindings.append(event.action)
            bindings.append(event.reason)
            bindings.append(event.attempt)
        }
        try await insert(
            into: "run_messages", columns: ["seq", "run_id", "kind", "task_id", "actor", "note", "at"], rows.messages,
            connection
        ) { message, bindings in
            bindings.append(message.sequence)
            bindings.append(run)
            bindings.append(message.kind)
            bindings.append(message.taskID?.rawValue)
            bindings.append(message.actor)
            bindings.append(message.note)
            bindings.append(message.at)
        }
    }

    /// Inserts `values` into `table`, as many rows a statement as PostgreSQL's limit of 65,535
    /// parameters allows with room to spare; `bind` appends one value's columns in `columns`' order.
    private func insert<Value>(
        into table: String, columns: [String], _ values: [Value], _ connection: PostgresConnection,
        bind: (Value, inout PostgresBindings) throws -> Void
    ) async throws {
        let perStatement = max(1, 30_000 / columns.count)
        var start = values.startIndex
        while start < values.endIndex {
            let batch = values[start..<min(start + perStatement, values.endIndex)]
            start = batch.endIndex
            var bindings = PostgresBindings(capacity: batch.count * columns.count)
            var tuples: [String] = []
            tuples.reserveCapacity(batch.count)
            for (offset, value) in batch.enumerated() {
                try bind(value, &bindings)
                let first = offset * columns.count
                tuples.append("(" + (1...columns.count).map { "$\(first + $0)" }.joined(separator: ", ") + ")")
            }
            let sql =
                "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES \(tuples.joined(separator: ", "))"
            try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        }
    }
}
