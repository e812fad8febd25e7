package import Foundation

/// Writing: new runs, the runner's batches, leases, checkpoints.
extension Journal {
    // MARK: - Writing

    /// Inserts a new run, its pending tasks and its first event, and takes its lease, atomically.
    package func createRun(_ run: RunRecord, graph: [TaskDescriptor], event: PendingEvent) async throws {
        try await perform { db in
            try db.transaction {
                if try db.scalar("SELECT 1 FROM runs WHERE id = ?", [.text(run.id.rawValue)]) != nil {
                    throw EngineError(
                        .runExists, "A run with id '\(run.id)' already exists; resume it or choose another id.",
                        runID: run.id)
                }
                let graphJSON = JSONCoding.graphJSON(graph)
                try db.run(
                    """
                    INSERT INTO runs (id, workflow, fingerprint, graph, input, options, state, dry_run,
                                      created_at, updated_at, lease_owner, lease_expires_at, graph_crc, input_crc)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .text(run.id.rawValue), .text(run.workflow), .text(run.fingerprint),
                        .text(graphJSON), .blob(run.input),
                        .text(try JSONCoding.string(run.options)), .text(run.state.rawValue),
                        .integer(run.options.dryRun ? 1 : 0), .double(run.createdAt.timeIntervalSince1970),
                        .double(run.updatedAt.timeIntervalSince1970), .optionalText(run.leaseOwner),
                        .optionalDouble(run.leaseExpiresAt?.timeIntervalSince1970),
                        .checksum(of: graphJSON), .checksum(of: run.input),
                    ])
                try Journal.insertTasks(db, run: run.id, ids: graph.map(\.id), from: 0, at: run.createdAt)
                try Journal.insert(db, run: run.id, event)
            }
        }
    }

    static func insertTasks(_ db: SQLiteConnection, run: RunID, ids: [TaskID], from start: Int, at now: Date) throws {
        for (offset, task) in ids.enumerated() {
            try db.run(
                "INSERT INTO tasks (run_id, task_id, position, state, updated_at) VALUES (?, ?, ?, 'pending', ?)",
                [.text(run.rawValue), .text(task.rawValue), .integer(Int64(start + offset)), .double(now.timeIntervalSince1970)])
        }
    }

    /// The statements of a task's commit, named so the benchmark's floor (`onboarding-bench
    /// --only floor`) runs exactly these. Literals: the connection's statement cache finds them
    /// by address.
    package enum CommitSQL {
        /// The lease check, with the run's last event number.
        package static let leaseAndLastEvent = """
            SELECT lease_owner, cancel_requested, (SELECT coalesce(max(seq), 0) FROM events WHERE run_id = ?1)
            FROM runs INDEXED BY runs_lease WHERE id = ?1
            """
        /// The run's last event number, when no lease is checked.
        package static let lastEvent = "SELECT coalesce(max(seq), 0) FROM events WHERE run_id = ?"
        /// A task's row (13 values: the 11 columns, then run and task id).
        package static let updateTask = """
            UPDATE tasks SET state = ?, attempts = ?, crashes = ?, output = ?, output_crc = ?, error = ?, park = ?,
                             confirmation = ?, observation = ?, next_attempt_at = ?, updated_at = ?
            WHERE run_id = ? AND task_id = ?
            """
        /// Two events with their numbers (the run, then 7 values each).
        package static let insertTwoEvents =
            "INSERT INTO events (run_id, seq, task_id, at, actor, action, reason, attempt) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8), (?1, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
        /// One event with its number.
        package static let insertOneEvent =
            "INSERT INTO events (run_id, seq, task_id, at, actor, action, reason, attempt) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
    }

    /// Applies a batch of task updates and events inside the caller's transaction. When `owner`
    /// is given, first checks that this engine still holds the run's lease; returns whether a
    /// cancel was requested.
    static func apply(_ batch: JournalBatch, run: RunID, owner: String?, db: SQLiteConnection) throws -> Bool {
        var cancelRequested = false
        // The run's last event number: the batch's events take the next ones, without a `max(seq)`
        // search each. The transaction holds the write lock, so no other writer adds events meanwhile.
        var lastSequence: Int64 = 0
        if let owner {
            // Read with the lease check, in the same statement.
            var current: String?
            try db.query(CommitSQL.leaseAndLastEvent, [.text(run.rawValue)]) {
                current = $0.text(0)
                cancelRequested = $0.int(1) != 0
                lastSequence = Int64($0.int(2))
            }
            guard current == owner else {
                throw LeaseErrors.lostToAnother(run, holder: current)
            }
        } else if !batch.events.isEmpty {
            lastSequence = Int64(try db.scalar(CommitSQL.lastEvent, [.text(run.rawValue)])?.int ?? 0)
        }
        for task in batch.tasks { try Journal.update(db, run: run, task) }
        try Journal.insert(db, run: run, batch.events, after: lastSequence)
        if let state = batch.runState, let at = batch.at {
            try db.run(
                "UPDATE runs SET state = ?, updated_at = ? WHERE id = ?",
                [.text(state.rawValue), .double(at.timeIntervalSince1970), .text(run.rawValue)])
        }
        for message in batch.consumedMessages {
            try db.run("DELETE FROM run_messages WHERE seq = ? AND run_id = ?", [.integer(message), .text(run.rawValue)])
        }
        if batch.releaseLease { try releaseLease(db, run: run) }
        return cancelRequested
    }

    /// Drops the run's lease and sets its durable timer (`wake_at`), in the commit that parks,
    /// finishes or releases it: due at once when a message for it is waiting; the earliest
    /// retry, re-check or change-window opening while it is parked; none once it ended or
    /// failed (a person acts first). A released run still `running` is claimable at once.
    static func releaseLease(_ db: SQLiteConnection, run: RunID) throws {
        try db.run(
            """
            UPDATE runs SET lease_owner = NULL, lease_expires_at = NULL, wake_at = CASE
                WHEN state IN ('succeeded', 'cancelled') THEN NULL
                WHEN EXISTS (SELECT 1 FROM run_messages WHERE run_id = ?1) THEN 0
                WHEN state = 'failed' THEN NULL
                ELSE (SELECT min(next_attempt_at) FROM tasks WHERE run_id = ?1 AND state IN ('pending', 'waiting'))
            END
            WHERE id = ?1
            """,
            [.text(run.rawValue)])
    }

    static func update(_ db: SQLiteConnection, run: RunID, _ task: TaskRecord) throws {
        try db.run(
            CommitSQL.updateTask,
            [
                .text(task.state.rawValue), .integer(Int64(task.attempts)), .integer(Int64(task.consecutiveCrashes)),
                .optionalBlob(task.output), task.output.map { .checksum(of: $0) } ?? .null, .optionalText(try task.lastError.map(JSONCoding.string)),
                .optionalText(try task.park.map(JSONCoding.string)),
                .optionalText(try task.confirmation.map(JSONCoding.string)),
                .optionalText(try task.observation.map(JSONCoding.string)),
                .optionalDouble(task.nextAttemptAt?.timeIntervalSince1970), .double(task.updatedAt.timeIntervalSince1970),
                .text(run.rawValue), .text(task.id.rawValue),
            ])
    }

    /// Appends `events` to the run's timeline as the numbers after `lastSequence`, the run's last,
    /// which the caller read in this transaction. Two at a time, in one statement: a task's
    /// completion and the start it releases are the common pair.
    static func insert(_ db: SQLiteConnection, run: RunID, _ events: [PendingEvent], after lastSequence: Int64) throws {
        for start in stride(from: events.startIndex, to: events.endIndex, by: 2) {
            let pair = start + 1 < events.endIndex
            var arguments: [SQLiteValue] = [.text(run.rawValue)]
            arguments.reserveCapacity(15)
            for offset in 0..<(pair ? 2 : 1) {
                appendColumns(of: events[start + offset], sequence: lastSequence + Int64(start + offset) + 1, to: &arguments)
            }
            try db.run(pair ? CommitSQL.insertTwoEvents : CommitSQL.insertOneEvent, arguments)
        }
    }

    /// An event's columns after `run_id`, in the order of the `INSERT`s above.
    private static func appendColumns(of event: PendingEvent, sequence: Int64, to arguments: inout [SQLiteValue]) {
        arguments.append(.integer(sequence))
        arguments.append(.optionalText(event.taskID?.rawValue))
        arguments.append(.double(event.at.timeIntervalSince1970))
        arguments.append(.text(event.actor))
        arguments.append(.text(event.action))
        arguments.append(.optionalText(event.reason))
        arguments.append(event.attempt.map { .integer(Int64($0)) } ?? .null)
    }

    static func insert(_ db: SQLiteConnection, run: RunID, _ event: PendingEvent) throws {
        try db.run(
            """
            INSERT INTO events (run_id, seq, task_id, at, actor, action, reason, attempt)
            VALUES (?1, (SELECT coalesce(max(seq), 0) + 1 FROM events WHERE run_id = ?1), ?2, ?3, ?4, ?5, ?6, ?7)
            """,
            [
                .text(run.rawValue), .optionalText(event.taskID?.rawValue), .double(event.at.timeIntervalSince1970),
                .text(event.actor), .text(event.action), .optionalText(event.reason),
                event.attempt.map { .integer(Int64($0)) } ?? .null,
            ])
    }

    /// Extends this engine's lease on `run` to `until`; returns whether a cancel was requested.
    ///
    /// - Throws: ``EngineError`` `runLeased` when another engine holds the lease now.
    package func renewLease(run: RunID, owner: String, until: Date) async throws -> Bool {
        try await perform { db in
            var cancelRequested: Bool?
            try db.query(
                "UPDATE runs SET lease_expires_at = ? WHERE id = ? AND lease_owner = ? RETURNING cancel_requested",
                [.double(until.timeIntervalSince1970), .text(run.rawValue), .text(owner)]
            ) { cancelRequested = $0.int(0) != 0 }
            guard let cancelRequested else {
                throw LeaseErrors.notRenewed(run)
            }
            return cancelRequested
        }
    }

    // MARK: - Checkpoints and outputs

    /// The checkpoint a task saved, if any.
    package func checkpoint(run: RunID, task: TaskID) async throws -> [UInt8]? {
        try await perform { db in
            var bytes: [UInt8]?
            try db.query(
                "SELECT checkpoint, checkpoint_crc FROM tasks WHERE run_id = ? AND task_id = ?",
                [.text(run.rawValue), .text(task.rawValue)]
            ) { bytes = try Journal.verified($0.blob(0), checksum: $0.value(1).int, "checkpoint of task '\(task)'", run: run, db) }
            return bytes
        }
    }

    /// Durably saves a task's checkpoint.
    package func saveCheckpoint(run: RunID, task: TaskID, _ bytes: [UInt8]?, at now: Date) async throws {
        try await perform { db in
            try db.run(
                "UPDATE tasks SET checkpoint = ?, checkpoint_crc = ?, updated_at = ? WHERE run_id = ? AND task_id = ?",
                [
                    .optionalBlob(bytes), bytes.map { .checksum(of: $0) } ?? .null, .double(now.timeIntervalSince1970),
                    .text(run.rawValue), .text(task.rawValue),
                ])
        }
    }

    /// Appends one event to run `run`'s timeline (a note that changes nothing else, such as a
    /// drift check's findings).
    package func appendEvent(_ event: PendingEvent, run: RunID) async throws {
        try await perform { db in
            try db.transaction {
                _ = try Journal.loadRun(db, run)
                try Journal.insert(db, run: run, event)
            }
        }
    }
}
