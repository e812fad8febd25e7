package import Foundation

/// Copying runs out of and into an SQLite journal (``JournalCopy``): each run read in one read
/// transaction, every run written in one IMMEDIATE transaction.
extension Journal {
    /// Every stored row of run `id`, read in one read transaction (the journal may be open read-only).
    package func exportRun(_ id: RunID, now: Date) async throws -> RunRows {
        try await perform { db in
            try db.transaction(immediate: false) {
                let rows = try Journal.readRows(db, id)
                let expiry = rows.leaseExpiresAt.map(Date.init(timeIntervalSince1970:))
                if LeaseOwner.isLive(owner: rows.leaseOwner, expiresAt: expiry, now: now, self: ""),
                    let holder = rows.leaseOwner, let expiry
                {
                    throw LeaseErrors.heldDuringCopy(id, holder: holder, until: expiry)
                }
                return rows
            }
        }
    }

    /// Writes the runs `next` gives into this journal, which must hold none, in one IMMEDIATE
    /// transaction on a connection of its own (held across the reads of the source), reads each back
    /// for `verify`, and commits; rolls back whatever is thrown.
    package func importRuns(
        _ next: @escaping @Sendable () async throws -> RunRows?,
        verify: @escaping @Sendable (RunRows) throws -> Void
    ) async throws {
        let path = self.path
        if try withConnection({ $0.isReadOnly }) {
            throw JournalError(
                .cannotOpen, "The journal at \(path) was opened read-only; a copy into it needs write access.",
                path: path)
        }
        let db = try await offPool { try Journal.beginImport(path) }
        do {
            var copied: [RunID] = []
            while let rows = try await next() {
                try await offPool { try Journal.insert(rows, db) }
                copied.append(rows.id)
            }
            for id in copied {
                try verify(try await offPool { try Journal.readRows(db, id) })
            }
            try await offPool { try db.execute("COMMIT") }
        } catch {
            _ = try? await offPool { try db.execute("ROLLBACK") }
            db.close()
            throw error
        }
        db.close()
    }

    /// A connection of the copy's own to the journal at `path`, in an IMMEDIATE transaction, once
    /// it is known to hold no run.
    private static func beginImport(_ path: String) throws -> SQLiteConnection {
        let db = try SQLiteConnection(path: path, create: false)
        do {
            db.busyTimeoutMilliseconds = JournalOptions().busyTimeoutMilliseconds
            try db.execute("PRAGMA foreign_keys = ON")
            try db.execute("PRAGMA synchronous = FULL")
            try db.execute("BEGIN IMMEDIATE")
            let runs = try db.scalar("SELECT count(*) FROM runs")?.int ?? 0
            guard runs == 0 else {
                throw JournalError(
                    .notEmpty,
                    "The journal at \(path) already holds \(runs) run(s); a journal is copied only into an empty one, so nothing was written. Copy to a path where no file is (a journal is created there), or to an empty journal.",
                    path: path)
            }
            return db
        } catch {
            try? db.execute("ROLLBACK")
            db.close()
            throw error
        }
    }

    /// Every stored row of run `id`, each graph, input, output and checkpoint checked against its checksum.
    static func readRows(_ db: SQLiteConnection, _ id: RunID) throws -> RunRows {
        var found: RunRows?
        let sql = """
            SELECT workflow, fingerprint, graph, graph_crc, input, input_crc, options, state, dry_run, created_at,
                   updated_at, lease_owner, lease_expires_at, cancel_requested, wake_at
            FROM runs WHERE id = ?
            """
        try db.query(sql, [.text(id.rawValue)]) { row in
            let graph = try verified(row.blob(2), checksum: row.value(3).int, "graph", run: id, db) ?? []
            found = RunRows(
                id: id, workflow: row.text(0) ?? "", fingerprint: row.text(1) ?? "",
                graph: String(decoding: graph, as: UTF8.self),
                input: try verified(row.blob(4), checksum: row.value(5).int, "input", run: id, db) ?? [],
                options: row.text(6) ?? "", state: try decodeState(RunState.self, row.text(7), db),
                dryRun: row.int(8) != 0, createdAt: row.double(9) ?? 0, updatedAt: row.double(10) ?? 0,
                leaseOwner: row.text(11), leaseExpiresAt: row.double(12), cancelRequested: row.int(13) != 0,
                wakeAt: row.double(14))
        }
        guard var rows = found else {
            throw EngineError(.unknownRun, "There is no run '\(id)' in this journal.", runID: id)
        }
        let tasks = """
            SELECT task_id, position, state, attempts, crashes, output, output_crc, error, park, confirmation,
                   observation, checkpoint, checkpoint_crc, next_attempt_at, updated_at
            FROM tasks WHERE run_id = ? ORDER BY position
            """
        try db.query(tasks, [.text(id.rawValue)]) { row in
            let task = row.text(0) ?? ""
            rows.tasks.append(
                RunRows.Task(
                    id: TaskID(task), position: row.int(1), state: try decodeState(TaskState.self, row.text(2), db),
                    attempts: row.int(3), crashes: row.int(4),
                    output: try verified(
                        row.blob(5), checksum: row.value(6).int, "output of task '\(task)'", run: id, db),
                    error: row.text(7), park: row.text(8), confirmation: row.text(9), observation: row.text(10),
                    checkpoint: try verified(
                        row.blob(11), checksum: row.value(12).int, "checkpoint of task '\(task)'", run: id, db),
                    nextAttemptAt: row.double(13), updatedAt: row.double(14) ?? 0))
        }
        try db.query(
            "SELECT seq, task_id, at, actor, action, reason, attempt FROM events WHERE run_id = ? ORDER BY seq",
            [.text(id.rawValue)]
        ) { row in
            rows.events.append(
                RunRows.Event(
                    sequence: Int64(row.int(0)), taskID: row.text(1).map { TaskID($0) }, at: row.double(2) ?? 0,
                    actor: row.text(3) ?? "", action: row.text(4) ?? "", reason: row.text(5),
                    attempt: row.value(6).int))
        }
        try db.query(
            "SELECT seq, kind, task_id, actor, note, at FROM run_messages WHERE run_id = ? ORDER BY seq",
            [.text(id.rawValue)]
        ) { row in
            rows.messages.append(
                RunRows.Message(
                    sequence: Int64(row.int(0)), kind: row.text(1) ?? "", taskID: row.text(2).map { TaskID($0) },
                    actor: row.text(3) ?? "", note: row.text(4), at: row.double(5) ?? 0))
        }
        return rows
    }

    /// Writes one run's rows as they are, with the checksums of their bytes.
    private static func insert(_ rows: RunRows, _ db: SQLiteConnection) throws {
        let run = SQLiteValue.text(rows.id.rawValue)
        try db.run(
            """
            INSERT INTO runs (id, workflow, fingerprint, graph, graph_crc, input, input_crc, options, state, dry_run,
                              created_at, updated_at, lease_owner, lease_expires_at, cancel_requested, wake_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                run, .text(rows.workflow), .text(rows.fingerprint), .text(rows.graph), .checksum(of: rows.graph),
                .blob(rows.input), .checksum(of: rows.input), .text(rows.options), .text(rows.state.rawValue),
                .integer(rows.dryRun ? 1 : 0), .double(rows.createdAt), .double(rows.updatedAt),
                .optionalText(rows.leaseOwner), .optionalDouble(rows.leaseExpiresAt),
                .integer(rows.cancelRequested ? 1 : 0), .optionalDouble(rows.wakeAt),
            ])
        for task in rows.tasks {
            try db.run(
                """
                INSERT INTO tasks (run_id, task_id, position, state, attempts, crashes, output, output_crc, error, park,
                                   confirmation, observation, checkpoint, checkpoint_crc, next_attempt_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    run, .text(task.id.rawValue), .integer(Int64(task.position)), .text(task.state.rawValue),
                    .integer(Int64(task.attempts)), .integer(Int64(task.crashes)), .optionalBlob(task.output),
                    task.output.map { .checksum(of: $0) } ?? .null, .optionalText(task.error), .optionalText(task.park),
                    .optionalText(task.confirmation), .optionalText(task.observation), .optionalBlob(task.checkpoint),
                    task.checkpoint.map { .checksum(of: $0) } ?? .null, .optionalDouble(task.nextAttemptAt),
                    .double(task.updatedAt),
                ])
        }
        for event in rows.events {
            try db.run(
                "INSERT INTO events (run_id, seq, task_id, at, actor, action, reason, attempt) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    run, .integer(event.sequence), .optionalText(event.taskID?.rawValue), .double(event.at),
                    .text(event.actor), .text(event.action), .optionalText(event.reason),
                    event.attempt.map { .integer(Int64($0)) } ?? .null,
                ])
        }
        // `run_messages.seq` is AUTOINCREMENT: later messages are numbered after the largest copied.
        for message in rows.messages {
            try db.run(
                "INSERT INTO run_messages (seq, run_id, kind, task_id, actor, note, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    .integer(message.sequence), run, .text(message.kind), .optionalText(message.taskID?.rawValue),
                    .text(message.actor), .optionalText(message.note), .double(message.at),
                ])
        }
    }
}
