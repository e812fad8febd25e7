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
    let groupCommit = Mutex(GroupCommit())
    private let executor = JournalExecutor(label: "onboarding.journal")
    /// With `synchronous=NORMAL` a commit does not wait for the disk (a WAL append), so an
    /// uncontended one is made on the caller's thread: handing it to the journal's queue and
    /// back would cost more than the write. The WAL's checkpoints, which do wait for the disk,
    /// stay on the queue (see ``noteCommit()``).
    let commitsInline: Bool
    /// Commits since the last checkpoint (with ``commitsInline``), whether one is under way, and
    /// the connection checkpoints are made on.
    private let checkpointing = Mutex<(commits: Int, running: Bool, connection: SQLiteConnection?)>((0, false, nil))

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
        self.commitsInline = options.durability == .normal && !options.readOnly
    }

    /// Opens and checks the file. Read-only, a journal that no process has open (no `-wal` file)
    /// is read as immutable when SQLite cannot make its `-shm` file (a folder the user may not write).
    private static func connect(_ path: String, options: JournalOptions) throws(JournalError) -> SQLiteConnection {
        let db = try SQLiteConnection(path: path, create: false, readOnly: options.readOnly)
        if !options.readOnly && db.isReadOnly {
            // Refused now, not at the first write: a command that writes must not begin (a demo
            // creating its tenant file, say) on a journal it cannot finish writing.
            throw JournalError(
                .cannotOpen,
                "The journal at \(path) can only be read by this user; commands that change it need write access to the file (read-only commands such as runs and show work).",
                path: path)
        }
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
            db.busyTimeoutMilliseconds = options.busyTimeoutMilliseconds
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
            // NORMAL: this connection's commits never checkpoint the WAL themselves (a checkpoint
            // waits for the disk, and commits may run on the caller's thread); the journal's
            // queue does it every few hundred commits.
            try db.execute("PRAGMA wal_autocheckpoint = \(options.durability == .normal ? 0 : 1000)")
            try db.execute("PRAGMA foreign_keys = ON")
            if isEmpty {
                // Set before any table exists: pruned pages go back to the file system.
                try db.execute("PRAGMA auto_vacuum = INCREMENTAL")
                try db.transaction {
                    try db.execute("PRAGMA application_id = \(JournalSchema.applicationID)")
                }
            }
            if version < JournalSchema.currentVersion {
                // Every step in one IMMEDIATE transaction: an upgrade interrupted anywhere leaves
                // the journal as it was, never between two schemas.
                try db.transaction {
                    // Another process may have migrated while we waited for the lock.
                    let now = try db.scalar("PRAGMA user_version")?.int ?? 0
                    for target in (now + 1)..<(JournalSchema.currentVersion + 1) {
                        try db.execute(JournalSchema.migrations[target - 1])
                    }
                    if now < JournalSchema.currentVersion {
                        try db.execute("PRAGMA user_version = \(JournalSchema.currentVersion)")
                    }
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

    /// Runs `body` with the connection on the calling thread if no other caller holds it and
    /// no other connection holds the write lock, in a transaction; `nil` (nothing done) otherwise.
    func transactionIfUncontended<T: Sendable>(_ body: (SQLiteConnection) throws -> T) throws -> T? {
        let outcome: Result<T, any Error>? = connection.withLockIfAvailable { db in
            do {
                guard let value = try db.transactionIfUncontended({ try body(db) }) else { return nil }
                return .success(value)
            } catch {
                return .failure(error)
            }
        } ?? nil
        return try outcome?.get()
    }

    /// Counts a commit made with ``commitsInline``; every 512 of them, a passive WAL checkpoint
    /// runs on the journal's queue, on a connection of its own, so the WAL does not grow without
    /// bound and commits are never held up by the checkpoint's wait for the disk.
    func noteCommit() {
        let due = checkpointing.withLock { state -> Bool in
            state.commits += 1
            guard state.commits >= 2048, !state.running else { return false }
            state.commits = 0
            state.running = true
            return true
        }
        guard due else { return }
        let path = self.path
        Task {
            _ = try? await offPool {
                try self.checkpointing.withLock { state in
                    if state.connection == nil { state.connection = try SQLiteConnection(path: path, create: false) }
                    try state.connection?.execute("PRAGMA wal_checkpoint(PASSIVE)")
                }
            }
            self.checkpointing.withLock { $0.running = false }
        }
    }

    /// Runs one of the journal's synchronous methods on the journal's queue, off the cooperative pool.
    func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await executor.run(body)
    }
}
