import Foundation
import OnboardingEngine
import PostgresNIO

/// Reading and writing single rows inside a transaction: the building blocks of the intents.
extension PostgresJournal {
    /// The database's clock, in Unix seconds: leases and timers are compared with it, so hosts
    /// whose clocks differ agree on them.
    func databaseNow(_ connection: PostgresConnection) async throws -> Double {
        var now = 0.0
        for try await value in try await connection.query(
            "SELECT extract(epoch FROM clock_timestamp())::double precision", logger: logger
        ).decode(Double.self) { now = value }
        return now
    }

    /// Run `id`'s record, its row locked for the rest of the transaction with `lock`.
    func loadRun(_ connection: PostgresConnection, _ id: RunID, lock: Bool = false) async throws -> RunRecord {
        let sql = """
            SELECT workflow, fingerprint, input, input_crc, options, state, created_at, updated_at,
                   lease_owner, lease_expires_at, cancel_requested, wake_at
            FROM runs WHERE id = $1
            """ + (lock ? " FOR UPDATE" : "")
        var bindings = PostgresBindings()
        bindings.append(id.rawValue)
        var record: RunRecord?
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        for try await row in rows {
            let (workflow, fingerprint, input, inputCRC, options, state, createdAt, updatedAt, leaseOwner, leaseExpiresAt,
                cancelRequested, wakeAt) =
                try row.decode((String, String, Data, Int64, String, String, Double, Double, String?, Double?, Bool, Double?).self)
            let bytes = Array(input)
            guard Int64(CRC32C.checksum(bytes)) == inputCRC else { throw corrupt("input", run: id) }
            guard let runState = RunState(rawValue: state) else { throw corrupt("state", run: id) }
            record = RunRecord(
                id: id, workflow: workflow, fingerprint: fingerprint, input: bytes,
                options: try decode(RunOptions.self, options, "options", run: id), state: runState,
                createdAt: Date(timeIntervalSince1970: createdAt), updatedAt: Date(timeIntervalSince1970: updatedAt),
                leaseOwner: leaseOwner, leaseExpiresAt: leaseExpiresAt.map(Date.init(timeIntervalSince1970:)),
                cancelRequested: cancelRequested, wakeAt: wakeAt.map(Date.init(timeIntervalSince1970:)))
        }
        guard let record else { throw EngineError(.unknownRun, "There is no run '\(id)' in this journal.", runID: id) }
        return record
    }

    /// Run `id`'s journaled graph, checked against its checksum.
    func loadGraph(_ connection: PostgresConnection, _ id: RunID) async throws -> [TaskDescriptor] {
        var found: (String, Int64)?
        for try await row in try await connection.query(
            "SELECT graph, graph_crc FROM runs WHERE id = \(id.rawValue)", logger: logger
        ).decode((String, Int64).self) { found = row }
        guard let (graph, crc) = found else {
            throw EngineError(.unknownRun, "There is no run '\(id)' in this journal.", runID: id)
        }
        guard Int64(CRC32C.checksum(graph)) == crc else { throw corrupt("graph", run: id) }
        return try decode([TaskDescriptor].self, graph, "graph", run: id)
    }

    /// Run `id`'s task records in graph order.
    func loadTasks(_ connection: PostgresConnection, _ id: RunID) async throws -> [TaskRecord] {
        var tasks: [TaskRecord] = []
        let rows = try await connection.query(
            """
            SELECT task_id, state, attempts, crashes, output, output_crc, error, park, confirmation, observation,
                   next_attempt_at, updated_at
            FROM tasks WHERE run_id = \(id.rawValue) ORDER BY position
            """, logger: logger)
        for try await row in rows {
            let (taskID, state, attempts, crashes, output, outputCRC, error, park, confirmation, observation, nextAttemptAt, updatedAt) =
                try row.decode((String, String, Int, Int, Data?, Int64?, String?, String?, String?, String?, Double?, Double).self)
            var task = TaskRecord(id: TaskID(taskID), at: Date(timeIntervalSince1970: updatedAt))
            guard let taskState = TaskState(rawValue: state) else { throw corrupt("state of task '\(taskID)'", run: id) }
            task.state = taskState
            task.attempts = attempts
            task.consecutiveCrashes = crashes
            if let output {
                let bytes = Array(output)
                guard outputCRC == Int64(CRC32C.checksum(bytes)) else { throw corrupt("output of task '\(taskID)'", run: id) }
                task.output = bytes
            }
            task.lastError = try error.map { try decode(TaskErrorInfo.self, $0, "error of task '\(taskID)'", run: id) }
            task.park = try park.map { try decode(ParkReason.self, $0, "park of task '\(taskID)'", run: id) }
            task.confirmation = try confirmation.map { try decode(Confirmation.self, $0, "confirmation of task '\(taskID)'", run: id) }
            task.observation = try observation.map { try decode(Observation.self, $0, "observation of task '\(taskID)'", run: id) }
            task.nextAttemptAt = nextAttemptAt.map(Date.init(timeIntervalSince1970:))
            tasks.append(task)
        }
        return tasks
    }

    func loadEvents(_ connection: PostgresConnection, _ id: RunID, after sequence: Int64) async throws -> [JournalEvent] {
        var events: [JournalEvent] = []
        for try await (seq, task, at, actor, action, reason, attempt) in try await connection.query(
            """
            SELECT seq, task_id, at, actor, action, reason, attempt FROM events
            WHERE run_id = \(id.rawValue) AND seq > \(sequence) ORDER BY seq
            """, logger: logger
        ).decode((Int64, String?, Double, String, String, String?, Int?).self) {
            events.append(
                JournalEvent(
                    sequence: seq, runID: id, taskID: task.map { TaskID($0) }, at: Date(timeIntervalSince1970: at),
                    actor: actor, action: action, reason: reason, attempt: attempt))
        }
        return events
    }

    func loadMessages(_ connection: PostgresConnection, run: RunID?) async throws -> [OwnerMessage] {
        var messages: [OwnerMessage] = []
        let rows = try await connection.query(
            """
            SELECT seq, run_id, kind, task_id, actor, note, at FROM run_messages
            WHERE \(run?.rawValue)::text IS NULL OR run_id = \(run?.rawValue) ORDER BY seq
            """, logger: logger)
        for try await (seq, run, kind, task, actor, note, at) in rows.decode((Int64, String, String, String?, String, String?, Double).self) {
            guard let kind = OwnerMessage.Kind(rawValue: kind) else { continue }
            messages.append(
                OwnerMessage(
                    sequence: seq, run: RunID(run), kind: kind, task: task.map { TaskID($0) }, actor: actor, note: note,
                    at: Date(timeIntervalSince1970: at)))
        }
        return messages
    }

    // MARK: - Writing rows

    /// A task's row as `commit` sends it, in one JSON array for all of a batch's tasks.
    private struct TaskRow: Encodable {
        var task_id: String
        var state: String
        var attempts: Int
        var crashes: Int
        var output: Data?
        var output_crc: Int64?
        var error: String?
        var park: String?
        var confirmation: String?
        var observation: String?
        var next_attempt_at: Double?
        var updated_at: Double
    }

    /// An event's row as `commit` sends it; `n` orders a batch's events after the run's last.
    private struct EventRow: Encodable {
        var n: Int
        var task_id: String?
        var at: Double
        var actor: String
        var action: String
        var reason: String?
        var attempt: Int?
    }

    /// A batch's task rows and events as the JSON arrays `onboarding_commit` reads. A task
    /// written twice in one batch keeps its last record; events are numbered from 1 in order.
    static func batchJSON(tasks: [TaskRecord], events: [PendingEvent]) throws -> (tasks: String, events: String) {
        var latest: [TaskID: Int] = [:]
        for (index, task) in tasks.enumerated() { latest[task.id] = index }
        let rows = try tasks.enumerated().filter { latest[$0.element.id] == $0.offset }.map { _, task in
            TaskRow(
                task_id: task.id.rawValue, state: task.state.rawValue, attempts: task.attempts, crashes: task.consecutiveCrashes,
                output: task.output.map { Data($0) }, output_crc: task.output.map { Int64(CRC32C.checksum($0)) },
                error: try task.lastError.map(JSONCoding.string), park: try task.park.map(JSONCoding.string),
                confirmation: try task.confirmation.map(JSONCoding.string), observation: try task.observation.map(JSONCoding.string),
                next_attempt_at: task.nextAttemptAt?.timeIntervalSince1970, updated_at: task.updatedAt.timeIntervalSince1970)
        }
        let eventRows = events.enumerated().map { index, event in
            EventRow(
                n: index + 1, task_id: event.taskID?.rawValue, at: event.at.timeIntervalSince1970, actor: event.actor,
                action: event.action, reason: event.reason, attempt: event.attempt)
        }
        let encoder = JSONEncoder()
        return (
            String(decoding: try encoder.encode(rows), as: UTF8.self), String(decoding: try encoder.encode(eventRows), as: UTF8.self)
        )
    }

    func insertEvent(_ connection: PostgresConnection, run: RunID, _ event: PendingEvent) async throws {
        try await connection.query(
            """
            INSERT INTO events (run_id, seq, task_id, at, actor, action, reason, attempt)
            VALUES (\(run.rawValue), (SELECT coalesce(max(seq), 0) + 1 FROM events WHERE run_id = \(run.rawValue)),
                    \(event.taskID?.rawValue), \(event.at.timeIntervalSince1970), \(event.actor), \(event.action),
                    \(event.reason), \(event.attempt))
            """, logger: logger)
    }

    func insertTasks(_ connection: PostgresConnection, run: RunID, ids: [TaskID], from start: Int, at now: Date) async throws {
        guard !ids.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO tasks (run_id, task_id, position, state, updated_at)
            SELECT \(run.rawValue), task_id, \(start) + ordinality - 1, 'pending', \(now.timeIntervalSince1970)
            FROM unnest(\(ids.map(\.rawValue))::text[]) WITH ORDINALITY AS t (task_id, ordinality)
            """, logger: logger)
    }

    func updateTask(_ connection: PostgresConnection, run: RunID, _ task: TaskRecord) async throws {
        let output = task.output.map { Data($0) }
        let outputCRC = task.output.map { Int64(CRC32C.checksum($0)) }
        try await connection.query(
            """
            UPDATE tasks SET state = \(task.state.rawValue), attempts = \(task.attempts), crashes = \(task.consecutiveCrashes),
                             output = \(output), output_crc = \(outputCRC), error = \(try task.lastError.map(JSONCoding.string)),
                             park = \(try task.park.map(JSONCoding.string)),
                             confirmation = \(try task.confirmation.map(JSONCoding.string)),
                             observation = \(try task.observation.map(JSONCoding.string)),
                             next_attempt_at = \(task.nextAttemptAt?.timeIntervalSince1970), updated_at = \(task.updatedAt.timeIntervalSince1970)
            WHERE run_id = \(run.rawValue) AND task_id = \(task.id.rawValue)
            """, logger: logger)
    }

    func sendMessage(
        _ connection: PostgresConnection, _ kind: OwnerMessage.Kind, run: RunID, task: TaskID?, actor: String, note: String?, at: Date
    ) async throws -> Int64 {
        var sequence: Int64 = 0
        for try await seq in try await connection.query(
            """
            INSERT INTO run_messages (run_id, kind, task_id, actor, note, at)
            VALUES (\(run.rawValue), \(kind.rawValue), \(task?.rawValue), \(actor), \(note), \(at.timeIntervalSince1970))
            RETURNING seq
            """, logger: logger
        ).decode(Int64.self) { sequence = seq }
        return sequence
    }

    /// Makes a run due at once (after a support action), unless it ended.
    func wakeNow(_ connection: PostgresConnection, run: RunID) async throws {
        try await connection.query(
            "UPDATE runs SET wake_at = 0 WHERE id = \(run.rawValue) AND state NOT IN ('succeeded', 'cancelled')", logger: logger)
    }

    /// Throws `runLeased`, naming the holder, while an engine other than `owner` holds the run's
    /// lease by the database's clock.
    func requireNoLiveOwner(_ run: RunRecord, other owner: String, now: Double, advice: String) throws {
        guard let holder = run.leaseOwner, holder != owner, let expiry = run.leaseExpiresAt,
            expiry.timeIntervalSince1970 > now
        else { return }
        throw EngineError(
            .runLeased,
            "Run '\(run.id)' is being run by \(holder) right now (lease until \(expiry.formatted(.iso8601))). \(advice)",
            runID: run.id)
    }

    // MARK: - Decoding

    func decode<T: Decodable>(_ type: T.Type, _ text: String, _ what: String, run: RunID) throws -> T {
        do {
            return try JSONCoding.decode(type, from: Array(text.utf8))
        } catch {
            throw corrupt(what, run: run)
        }
    }

    func corrupt(_ what: String, run: RunID) -> JournalError {
        JournalError(
            .corrupt,
            "The \(what) of run '\(run)' in the journal at \(location) does not match its checksum or cannot be read: it was changed outside the engine. It was not used.",
            path: location)
    }
}
