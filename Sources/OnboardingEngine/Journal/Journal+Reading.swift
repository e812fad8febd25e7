import Foundation

/// Reading runs, tasks, events and graphs, with every stored value checked against its checksum.
extension Journal {
    // MARK: - Reading

    /// Lists runs, newest first, optionally only those in `state`.
    public func runs(state: RunState? = nil) throws -> [RunSummary] {
        try withConnection { db in
            var summaries: [RunSummary] = []
            let sql = """
                SELECT id, workflow, state, created_at, updated_at, dry_run FROM runs
                WHERE ?1 IS NULL OR state = ?1 ORDER BY created_at DESC, id
                """
            try db.query(sql, [.optionalText(state?.rawValue)]) { row in
                summaries.append(
                    RunSummary(
                        id: RunID(row.text(0) ?? ""), workflow: row.text(1) ?? "",
                        state: RunState(rawValue: row.text(2) ?? "") ?? .running,
                        createdAt: Date(timeIntervalSince1970: row.double(3) ?? 0),
                        updatedAt: Date(timeIntervalSince1970: row.double(4) ?? 0),
                        taskCounts: [:], dryRun: row.int(5) != 0))
            }
            // One grouped scan for every run's counts, not a query per run.
            let positions = Dictionary(uniqueKeysWithValues: summaries.enumerated().map { ($1.id.rawValue, $0) })
            try db.query("SELECT run_id, state, count(*) FROM tasks GROUP BY run_id, state") { row in
                guard let index = positions[row.text(0) ?? ""], let state = TaskState(rawValue: row.text(1) ?? "") else { return }
                summaries[index].taskCounts[state] = row.int(2)
            }
            return summaries
        }
    }

    /// The run with `id`.
    ///
    /// - Throws: ``EngineError`` `unknownRun` when the journal has no such run.
    public func run(_ id: RunID) throws -> RunRecord {
        try withConnection { db in try Journal.loadRun(db, id) }
    }

    /// The states of every task in run `id`, in the graph's topological order.
    public func tasks(of id: RunID) throws -> [TaskRecord] {
        try withConnection { db in
            _ = try Journal.loadRun(db, id)
            return try Journal.loadTasks(db, id)
        }
    }

    /// The run's timeline, oldest first, optionally only events after `sequence`.
    public func events(of id: RunID, after sequence: Int64 = 0) throws -> [JournalEvent] {
        try withConnection { db in
            _ = try Journal.loadRun(db, id)
            return try Journal.loadEvents(db, id, after: sequence)
        }
    }

    static func loadEvents(_ db: SQLiteConnection, _ id: RunID, after sequence: Int64) throws -> [JournalEvent] {
        var events: [JournalEvent] = []
        let sql = """
            SELECT seq, task_id, at, actor, action, reason, attempt FROM events
            WHERE run_id = ? AND seq > ? ORDER BY seq
            """
        try db.query(sql, [.text(id.rawValue), .integer(sequence)]) { row in
            let attempt = row.value(6).int
            events.append(
                JournalEvent(
                    sequence: Int64(row.int(0)), runID: id, taskID: row.text(1).map { TaskID($0) },
                    at: Date(timeIntervalSince1970: row.double(2) ?? 0), actor: row.text(3) ?? "",
                    action: row.text(4) ?? "", reason: row.text(5), attempt: attempt))
        }
        return events
    }

    /// Runs SQLite's `PRAGMA integrity_check` and returns its findings (`["ok"]` when sound).
    public func integrityCheck() throws -> [String] {
        try withConnection { db in
            var lines: [String] = []
            try db.query("PRAGMA integrity_check") { row in lines.append(row.text(0) ?? "") }
            return lines
        }
    }

    static func loadRun(_ db: SQLiteConnection, _ id: RunID) throws -> RunRecord {
        var record: RunRecord?
        let sql = """
            SELECT workflow, fingerprint, graph, input, options, state, created_at, updated_at,
                   lease_owner, lease_expires_at, cancel_requested, graph_crc, input_crc, wake_at
            FROM runs WHERE id = ?
            """
        try db.query(sql, [.text(id.rawValue)]) { row in
            // The graph is checked in place, not copied or decoded: a resume decodes it only when
            // the fingerprint differs.
            if let actual = row.checksum(2), row.value(11).int.map({ UInt32(truncatingIfNeeded: $0) }) != actual {
                throw corrupt("graph", run: id, db)
            }
            record = RunRecord(
                id: id, workflow: row.text(0) ?? "", fingerprint: row.text(1) ?? "",
                input: try verified(row.blob(3), checksum: row.value(12).int, "input", run: id, db) ?? [],
                options: try decode(RunOptions.self, row.text(4), "options", run: id, db),
                state: try decodeState(RunState.self, row.text(5), db),
                createdAt: Date(timeIntervalSince1970: row.double(6) ?? 0),
                updatedAt: Date(timeIntervalSince1970: row.double(7) ?? 0),
                leaseOwner: row.text(8),
                leaseExpiresAt: row.double(9).map(Date.init(timeIntervalSince1970:)),
                cancelRequested: row.int(10) != 0,
                wakeAt: row.double(13).map(Date.init(timeIntervalSince1970:)))
        }
        guard let record else {
            throw EngineError(
                .unknownRun, "There is no run '\(id)' in this journal.", runID: id)
        }
        return record
    }

    /// The graph run `id` follows, as journaled when it began (or when a change was accepted).
    public func graph(of id: RunID) throws -> [TaskDescriptor] {
        try withConnection { db in try Journal.loadGraph(db, id) }
    }

    static func loadGraph(_ db: SQLiteConnection, _ id: RunID) throws -> [TaskDescriptor] {
        var bytes: [UInt8]?
        try db.query("SELECT graph, graph_crc FROM runs WHERE id = ?", [.text(id.rawValue)]) { row in
            bytes = try verified(row.blob(0), checksum: row.value(1).int, "graph", run: id, db) ?? []
        }
        guard let bytes else {
            throw EngineError(.unknownRun, "There is no run '\(id)' in this journal.", runID: id)
        }
        return try decode([TaskDescriptor].self, String(decoding: bytes, as: UTF8.self), "graph", run: id, db)
    }

    static func loadTasks(_ db: SQLiteConnection, _ id: RunID) throws -> [TaskRecord] {
        var tasks: [TaskRecord] = []
        let sql = """
            SELECT task_id, state, attempts, crashes, output, error, park, confirmation, observation,
                   next_attempt_at, updated_at, output_crc
            FROM tasks WHERE run_id = ? ORDER BY position
            """
        try db.query(sql, [.text(id.rawValue)]) { row in
            var task = TaskRecord(id: TaskID(row.text(0) ?? ""), at: Date(timeIntervalSince1970: row.double(10) ?? 0))
            task.state = try decodeState(TaskState.self, row.text(1), db)
            task.attempts = row.int(2)
            task.consecutiveCrashes = row.int(3)
            task.output = try verified(row.blob(4), checksum: row.value(11).int, "output of task '\(task.id)'", run: id, db)
            task.lastError = try decodeOptional(TaskErrorInfo.self, row.text(5), "last error of task '\(task.id)'", run: id, db)
            task.park = try decodeOptional(ParkReason.self, row.text(6), "park reason of task '\(task.id)'", run: id, db)
            task.confirmation = try decodeOptional(Confirmation.self, row.text(7), "confirmation of task '\(task.id)'", run: id, db)
            task.observation = try decodeOptional(Observation.self, row.text(8), "observation of task '\(task.id)'", run: id, db)
            task.nextAttemptAt = row.double(9).map(Date.init(timeIntervalSince1970:))
            tasks.append(task)
        }
        return tasks
    }

    // MARK: - Decoding helpers

    /// `bytes` when they match the checksum stored beside them.
    ///
    /// - Throws: ``JournalError`` `corrupt` naming the run and the value: a changed byte is
    ///   reported, never used.
    static func verified(_ bytes: [UInt8]?, checksum: Int?, _ what: String, run: RunID, _ db: SQLiteConnection) throws
        -> [UInt8]?
    {
        guard let bytes else { return nil }
        guard let checksum, UInt32(truncatingIfNeeded: checksum) == CRC32C.checksum(bytes) else {
            throw corrupt(what, run: run, db)
        }
        return bytes
    }

    /// The error for a stored value that does not match its checksum.
    static func corrupt(_ what: String, run: RunID, _ db: SQLiteConnection) -> JournalError {
        JournalError(
            .corrupt,
            "The stored \(what) of run '\(run)' does not match its checksum: the journal file was damaged or edited by hand. It was not used and nothing was written; restore the journal from a backup.",
            path: db.path)
    }

    /// Decodes a stored value; `what` names it for a person ("options", "confirmation of task 'x'"),
    /// never by its Swift type.
    static func decode<T: Decodable>(_ type: T.Type, _ text: String?, _ what: String, run: RunID, _ db: SQLiteConnection) throws
        -> T
    {
        do {
            return try JSONCoding.decode(type, from: Array((text ?? "").utf8))
        } catch {
            throw JournalError(
                .encoding,
                "The stored \(what) of run '\(run)' could not be read: the journal was edited by hand or is damaged. Nothing was written.",
                path: db.path, underlying: error)
        }
    }

    static func decodeOptional<T: Decodable>(
        _ type: T.Type, _ text: String?, _ what: String, run: RunID, _ db: SQLiteConnection
    ) throws -> T? {
        guard let text else { return nil }
        return try decode(type, text, what, run: run, db)
    }

    static func decodeState<T: RawRepresentable>(_ type: T.Type, _ text: String?, _ db: SQLiteConnection) throws -> T
    where T.RawValue == String {
        guard let text, let value = T(rawValue: text) else {
            throw JournalError(
                .encoding, "A stored state '\(text ?? "")' is not one this version knows: the journal is damaged or newer.",
                path: db.path)
        }
        return value
    }
}
