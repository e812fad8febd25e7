internal import CSQLite
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The SQLite journal: one file that records every run, every task's state and an append-only
/// timeline of events, so any interrupted run can be resumed exactly where it stopped.
///
/// The file is opened in WAL mode with `synchronous=FULL` (by default) and created readable by
/// its owner only. A file that is damaged, is not a journal, or was written by a newer schema
/// is reported as a ``JournalError`` and left untouched: the journal never starts afresh.
///
/// The journal stores only what the host passes as non-secret input, task outputs, checkpoints
/// and errors. Credentials belong to the host and to the task values it builds at run time;
/// they are never written here.
///
/// ```swift
/// let journal = try Journal(path: "/var/lib/onboarding/journal.sqlite")
/// for run in try journal.runs(state: .failed) { print(run.id, run.workflow) }
/// ```
public final class Journal: Sendable {
    /// The path of the journal file.
    public let path: String
    private let connection: Mutex<SQLiteConnection>
    private let groupCommit = Mutex(GroupCommit())
    private let executor = JournalExecutor(label: "onboarding.journal")

    /// Opens the journal at `path`, creating it (mode 0600) when it does not exist.
    ///
    /// A new journal is only ever created where no file was: it is built complete under a
    /// temporary name beside `path` and linked into place, so no other process ever sees it half
    /// made. A file that exists must already be a journal; an empty file, an empty SQLite
    /// database or another program's database is refused and left as it is.
    ///
    /// - Throws: ``JournalError`` with code `cannotOpen`, `notAJournal`, `corrupt` or `newerSchema`.
    public init(path: String, options: JournalOptions = JournalOptions()) throws(JournalError) {
        self.path = path
        if !FileManager.default.fileExists(atPath: path) {
            guard options.createIfMissing else {
                throw JournalError(.cannotOpen, "There is no journal at \(path).", path: path)
            }
            try Journal.create(at: path, options: options)
        }
        self.connection = Mutex(try Journal.connect(path, options: options))
    }

    /// Opens and checks the file. Read-only, a journal that no process has open (no `-wal` file)
    /// is read as immutable when SQLite cannot make its `-shm` file (a folder the user may not write).
    private static func connect(_ path: String, options: JournalOptions) throws(JournalError) -> SQLiteConnection {
        let db = try SQLiteConnection(path: path, create: false, readOnly: options.readOnly)
        do {
            try prepare(db, options: options, creating: false)
            return db
        } catch {
            guard options.readOnly, error.code == .sqlite || error.code == .cannotOpen,
                !FileManager.default.fileExists(atPath: path + "-wal")
            else { throw error }
            db.close()
            let immutable = try SQLiteConnection(path: path, create: false, readOnly: true, immutable: true)
            try prepare(immutable, options: options, creating: false)
            return immutable
        }
    }

    /// Builds a journal under a temporary name beside `path`, then links it to `path` unless a
    /// file appeared there meanwhile (another process created it first: that one is used).
    private static func create(at path: String, options: JournalOptions) throws(JournalError) {
        let temporary = "\(path).creating-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer {
            for suffix in ["", "-wal", "-shm", "-journal"] { unlink(temporary + suffix) }
        }
        // Created here so it is readable by its owner only; SQLite gives -wal and -shm the same mode.
        let fd = open(temporary, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0o600)
        if fd < 0 {
            let reason = String(cString: strerror(errno))
            throw JournalError(.cannotOpen, "Cannot create the journal file \(path): \(reason).", path: path)
        }
        close(fd)
        do {
            let db = try SQLiteConnection(path: temporary, create: false)
            defer { db.close() }  // the last close folds the WAL into the file
            try prepare(db, options: options, creating: true)
        }
        guard link(temporary, path) != 0 else { return }
        let code = errno
        if code == EEXIST { return }  // another process created it first: that journal is used
        // A file system without hard links: rename, unless a file appeared there meanwhile.
        if [EPERM, ENOTSUP, EOPNOTSUPP, EMLINK, ENOSYS].contains(code), !FileManager.default.fileExists(atPath: path),
            rename(temporary, path) == 0
        {
            return
        }
        let reason = String(cString: strerror(code))
        throw JournalError(.cannotOpen, "Cannot create the journal file \(path): \(reason).", path: path)
    }

    private static func prepare(_ db: SQLiteConnection, options: JournalOptions, creating: Bool) throws(JournalError) {
        do {
            try db.execute("PRAGMA busy_timeout = \(options.busyTimeoutMilliseconds)")
            // Reading the header is the first thing that fails for a file that is not SQLite.
            let applicationID = try db.scalar("PRAGMA application_id")?.int ?? 0
            let version = try db.scalar("PRAGMA user_version")?.int ?? 0
            let objects = try db.scalar("SELECT count(*) FROM sqlite_schema")?.int ?? 0
            let isEmpty = applicationID == 0 && version == 0 && objects == 0
            if isEmpty && !creating {
                let size = (try? FileManager.default.attributesOfItem(atPath: db.path)[.size] as? Int) ?? 0
                throw JournalError(
                    .notAJournal,
                    size == 0
                        ? "The file is empty (0 bytes), not an onboarding journal. It was left untouched; pass the journal's path, or a path where no file exists to create one."
                        : "The file is an empty SQLite database, not an onboarding journal. It was left untouched; pass the journal's path, or a path where no file exists to create one.",
                    path: db.path)
            }
            if !isEmpty && applicationID != Int(JournalSchema.applicationID) {
                throw JournalError(
                    .notAJournal,
                    "The file is an SQLite database of another program, not an onboarding journal. It was left untouched; pass the journal's path instead.",
                    path: db.path)
            }
            if version > JournalSchema.currentVersion {
                throw JournalError(
                    .newerSchema,
                    "The journal was written by a newer version of the onboarding engine (schema \(version); this one reads up to \(JournalSchema.currentVersion)). Upgrade the tool; the file was left untouched.",
                    path: db.path)
            }
            let hasTables = try db.scalar("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'runs'") != nil
            if !isEmpty && (version == 0 || !hasTables) {
                throw JournalError(
                    .corrupt,
                    "The file is marked as an onboarding journal but has no journal tables: it was damaged or not made by this engine. It was left untouched.",
                    path: db.path)
            }
            if options.readOnly {
                guard version == JournalSchema.currentVersion else {
                    throw JournalError(
                        .olderSchema,
                        "The journal has schema \(version) and must be upgraded to \(JournalSchema.currentVersion) before it can be read; open it once with write access (any command that changes it, such as a resume).",
                        path: db.path)
                }
                return
            }
            let mode = try db.scalar("PRAGMA journal_mode = WAL")?.string?.lowercased()
            guard mode == "wal" else {
                throw JournalError(
                    .cannotOpen,
                    "SQLite could not switch the journal to WAL mode (it reports '\(mode ?? "nothing")'). Put the journal on a local file system.",
                    path: db.path)
            }
            try db.execute("PRAGMA synchronous = \(options.durability.rawValue)")
            try db.execute("PRAGMA foreign_keys = ON")
            if isEmpty {
                // Set before any table exists: pruned pages go back to the file system.
                try db.execute("PRAGMA auto_vacuum = INCREMENTAL")
                try db.transaction {
                    try db.execute("PRAGMA application_id = \(JournalSchema.applicationID)")
                }
            }
            for target in (version + 1)..<(JournalSchema.currentVersion + 1) {
                try db.transaction {
                    // Another process may have migrated while we waited for the lock.
                    let now = try db.scalar("PRAGMA user_version")?.int ?? 0
                    guard now < target else { return }
                    try db.execute(JournalSchema.migrations[target - 1])
                    try db.execute("PRAGMA user_version = \(target)")
                }
            }
        } catch let error as JournalError {
            throw error
        } catch {
            throw JournalError(.sqlite, "Could not prepare the journal: \(error).", path: db.path, underlying: error)
        }
    }

    /// Runs `body` with exclusive use of the connection, on the calling thread (for the
    /// synchronous reads and support actions hosts call).
    func withConnection<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try connection.withLock { db in try body(db) }
    }

    /// Runs `body` with exclusive use of the connection on the journal's own queue, off the
    /// cooperative pool: what the engine uses while it runs runs.
    func perform<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await executor.run { try self.withConnection(body) }
    }

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
                options: try decode(RunOptions.self, row.text(4), db),
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
        return try decode([TaskDescriptor].self, String(decoding: bytes, as: UTF8.self), db)
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
            task.lastError = try decodeOptional(TaskErrorInfo.self, row.text(5), db)
            task.park = try decodeOptional(ParkReason.self, row.text(6), db)
            task.confirmation = try decodeOptional(Confirmation.self, row.text(7), db)
            task.observation = try decodeOptional(Observation.self, row.text(8), db)
            task.nextAttemptAt = row.double(9).map(Date.init(timeIntervalSince1970:))
            tasks.append(task)
        }
        return tasks
    }

    // MARK: - Writing

    /// Inserts a new run, its pending tasks and its first event, and takes its lease, atomically.
    func createRun(_ run: RunRecord, graph: [TaskDescriptor], event: PendingEvent) async throws {
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

    /// Applies a batch of task updates and events in one durable transaction.
    ///
    /// When `owner` is given, the transaction first checks that this engine still holds the run's
    /// lease, and reports whether a cancel was requested.
    @discardableResult
    func write(_ batch: JournalBatch, run: RunID, owner: String?) async throws -> Bool {
        try await perform { db in
            try db.transaction { try Journal.apply(batch, run: run, owner: owner, db: db) }
        }
    }

    /// Like ``write(_:run:owner:)``, but batches that arrive together, from any of the runs of
    /// any engine sharing this journal, share one durable commit (group commit).
    ///
    /// The first caller leads: it writes every pending batch in one transaction, each in its own
    /// savepoint so one run's lost lease does not undo another's, then hands the lead to the next
    /// waiting caller. The others wait suspended, not blocking a thread, so many runs can queue
    /// their batches while one fsync is under way.
    @discardableResult
    func commit(_ batch: JournalBatch, run: RunID, owner: String?) async throws -> Bool {
        let entry = GroupCommit.Entry(batch: batch, run: run, owner: owner)
        // Uncontended (a single run's chain): lead at once, without suspending.
        let leadNow = groupCommit.withLock { state -> Bool in
            guard !state.leading else { return false }
            state.leading = true
            state.pending.append((entry, nil))
            return true
        }
        if leadNow { return try await leadGroupCommit(for: entry.id) }
        let outcome: GroupCommit.Outcome = await withCheckedContinuation { continuation in
            let lead = groupCommit.withLock { state -> Bool in
                if state.leading {
                    state.pending.append((entry, continuation))
                    return false
                }
                state.leading = true
                state.pending.append((entry, nil))
                return true
            }
            if lead { continuation.resume(returning: .lead) }
        }
        switch outcome {
        case .done(let result): return try result.get()
        case .lead: return try await leadGroupCommit(for: entry.id)
        }
    }

    /// Commits everything pending as one transaction, wakes the waiters, and passes the lead on.
    private func leadGroupCommit(for id: Int) async throws -> Bool {
        let group = groupCommit.withLock { state in
            defer { state.pending.removeAll(keepingCapacity: true) }
            return state.pending
        }
        let entries = group.map(\.entry)
        var results: [Result<Bool, any Error>]
        do {
            results = try await perform { db in
                var results = [Result<Bool, any Error>](repeating: .success(false), count: entries.count)
                try db.transaction {
                    for (index, entry) in entries.enumerated() {
                        try db.run("SAVEPOINT run_batch")
                        do {
                            results[index] = .success(try Journal.apply(entry.batch, run: entry.run, owner: entry.owner, db: db))
                            try db.run("RELEASE run_batch")
                        } catch {
                            results[index] = .failure(error)
                            try db.run("ROLLBACK TO run_batch")
                            try db.run("RELEASE run_batch")
                        }
                    }
                }
                return results
            }
        } catch {
            results = Array(repeating: .failure(error), count: group.count)
        }
        var mine: Result<Bool, any Error> = .success(false)
        for (index, (entry, continuation)) in group.enumerated() {
            if entry.id == id { mine = results[index] } else { continuation?.resume(returning: .done(results[index])) }
        }
        let next = groupCommit.withLock { state -> CheckedContinuation<GroupCommit.Outcome, Never>? in
            // Waiters always come with a continuation; the lead passes to the first of them.
            guard let first = state.pending.first else {
                state.leading = false
                return nil
            }
            return first.continuation
        }
        next?.resume(returning: .lead)
        return try mine.get()
    }

    static func apply(_ batch: JournalBatch, run: RunID, owner: String?, db: SQLiteConnection) throws -> Bool {
        var cancelRequested = false
        if let owner {
            var current: String?
            try db.query("SELECT lease_owner, cancel_requested FROM runs WHERE id = ?", [.text(run.rawValue)]) {
                current = $0.text(0)
                cancelRequested = $0.int(1) != 0
            }
            guard current == owner else {
                throw EngineError(
                    .runLeased,
                    "This engine lost the lease on run '\(run)' to \(current ?? "nobody") (it was not renewed in time); it stopped writing. Resume the run once the other owner is done.",
                    runID: run)
            }
        }
        for task in batch.tasks { try Journal.update(db, run: run, task) }
        for event in batch.events { try Journal.insert(db, run: run, event) }
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
            """
            UPDATE tasks SET state = ?, attempts = ?, crashes = ?, output = ?, output_crc = ?, error = ?, park = ?,
                             confirmation = ?, observation = ?, next_attempt_at = ?, updated_at = ?
            WHERE run_id = ? AND task_id = ?
            """,
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
    func renewLease(run: RunID, owner: String, until: Date) async throws -> Bool {
        try await perform { db in
            var cancelRequested: Bool?
            try db.query(
                "UPDATE runs SET lease_expires_at = ? WHERE id = ? AND lease_owner = ? RETURNING cancel_requested",
                [.double(until.timeIntervalSince1970), .text(run.rawValue), .text(owner)]
            ) { cancelRequested = $0.int(0) != 0 }
            guard let cancelRequested else {
                throw EngineError(
                    .runLeased,
                    "This engine lost the lease on run '\(run)' (it was not renewed in time and another engine took it); it stopped writing.",
                    runID: run)
            }
            return cancelRequested
        }
    }

    // MARK: - Checkpoints and outputs

    /// The checkpoint a task saved, if any.
    func checkpoint(run: RunID, task: TaskID) async throws -> [UInt8]? {
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
    func saveCheckpoint(run: RunID, task: TaskID, _ bytes: [UInt8]?, at now: Date) async throws {
        try await perform { db in
            try db.run(
                "UPDATE tasks SET checkpoint = ?, checkpoint_crc = ?, updated_at = ? WHERE run_id = ? AND task_id = ?",
                [
                    .optionalBlob(bytes), bytes.map { .checksum(of: $0) } ?? .null, .double(now.timeIntervalSince1970),
                    .text(run.rawValue), .text(task.rawValue),
                ])
        }
    }

    /// The output a task recorded, if any.
    func output(run: RunID, task: TaskID) throws -> [UInt8]? {
        try withConnection { db in
            var bytes: [UInt8]?
            try db.query(
                "SELECT output, output_crc FROM tasks WHERE run_id = ? AND task_id = ?", [.text(run.rawValue), .text(task.rawValue)]
            ) { bytes = try Journal.verified($0.blob(0), checksum: $0.value(1).int, "output of task '\(task)'", run: run, db) }
            return bytes
        }
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

    private static func decode<T: Decodable>(_ type: T.Type, _ text: String?, _ db: SQLiteConnection) throws -> T {
        do {
            return try JSONCoding.decode(type, from: Array((text ?? "").utf8))
        } catch {
            throw JournalError(
                .encoding, "A stored \(type) could not be read: the journal was edited by hand or is damaged.",
                path: db.path, underlying: error)
        }
    }

    private static func decodeOptional<T: Decodable>(_ type: T.Type, _ text: String?, _ db: SQLiteConnection) throws -> T? {
        guard let text else { return nil }
        return try decode(type, text, db)
    }

    private static func decodeState<T: RawRepresentable>(_ type: T.Type, _ text: String?, _ db: SQLiteConnection) throws -> T
    where T.RawValue == String {
        guard let text, let value = T(rawValue: text) else {
            throw JournalError(
                .encoding, "A stored state '\(text ?? "")' is not one this version knows: the journal is damaged or newer.",
                path: db.path)
        }
        return value
    }
}

/// An event not yet written.
struct PendingEvent: Sendable {
    var taskID: TaskID?
    var at: Date
    var actor: String
    var action: String
    var reason: String?
    var attempt: Int?
}

/// Task updates, events and run changes written together in one transaction.
struct JournalBatch: Sendable {
    var tasks: [TaskRecord] = []
    var events: [PendingEvent] = []
    var runState: RunState?
    var at: Date?
    var releaseLease = false
    /// Messages (``Journal/pendingMessages(for:)``) whose effect this batch records.
    var consumedMessages: [Int64] = []

    var isEmpty: Bool { tasks.isEmpty && events.isEmpty && runState == nil && !releaseLease && consumedMessages.isEmpty }
}

/// The queue of a journal's group commit.
struct GroupCommit {
    /// One run's batch waiting to be committed.
    struct Entry: Sendable {
        private static let counter = Atomic<Int>(0)
        let id = Entry.counter.add(1, ordering: .relaxed).newValue
        let batch: JournalBatch
        let run: RunID
        let owner: String?
    }

    /// What a waiting caller is told.
    enum Outcome: Sendable {
        /// Its batch was committed (or failed).
        case done(Result<Bool, any Error>)
        /// It must lead the next group.
        case lead
    }

    /// Batches waiting; a leader's own entry has no continuation (it never suspended).
    var pending: [(entry: Entry, continuation: CheckedContinuation<Outcome, Never>?)] = []
    var leading = false
}
