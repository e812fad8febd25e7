internal import CSQLite
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `SQLITE_TRANSIENT`: SQLite copies bound text and blobs before `bind` returns.
/// The C macro (a cast of -1 to a function pointer) does not import into Swift.
private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// One SQLite connection and its prepared-statement cache.
///
/// Not thread-safe: the ``Journal`` owns exactly one and serialises all access to it through a
/// `Mutex`, which is why the `@unchecked Sendable` is sound.
final class SQLiteConnection: @unchecked Sendable {
    let path: String
    /// How long a statement waits for another connection's lock (`PRAGMA busy_timeout`).
    var busyTimeoutMilliseconds: Int32 = 0 {
        didSet { sqlite3_busy_timeout(handle, busyTimeoutMilliseconds) }
    }
    private var handle: OpaquePointer?
    private var statements: [StatementKey: OpaquePointer] = [:]
    /// The statements of the hot path, found by the address of their SQL text (a string
    /// literal's never changes) and confirmed by comparing the text, which is immediate for the
    /// same literal. A miss (an address reused by another string) falls back to ``statements``.
    private var hotStatements: [(text: UnsafeRawPointer, sql: String, statement: OpaquePointer)] = []

    /// Opens an existing database (`create == false`) or creates it; `readOnly` opens it for
    /// reading only, so a user who may only read the file can.
    ///
    /// `immutable` (read-only only) tells SQLite the file cannot change while it is open, so it
    /// needs no `-shm` file: how a user who may not write the journal's folder reads a journal
    /// that no process has open.
    init(path: String, create: Bool, readOnly: Bool = false, immutable: Bool = false) throws(JournalError) {
        self.path = path
        var db: OpaquePointer?
        var flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX
        if create && !readOnly { flags |= SQLITE_OPEN_CREATE }
        var name = path
        if readOnly && immutable {
            var allowed = CharacterSet.urlPathAllowed
            allowed.remove(charactersIn: "?#%")
            name = "file:\(path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path)?immutable=1"
            flags |= SQLITE_OPEN_URI
        }
        let rc = sqlite3_open_v2(name, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(db)
            throw JournalError(
                .cannotOpen, "Cannot open the journal at \(path): \(message). Check the path and its permissions.",
                path: path, sqliteCode: rc)
        }
        self.handle = db
        sqlite3_extended_result_codes(db, 1)
        // The journal's checksum as an SQL function, for the migration that adds checksums.
        sqlite3_create_function_v2(
            db, "onboarding_crc32c", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nil,
            { context, _, arguments in
                guard let value = arguments?[0], sqlite3_value_type(value) != SQLITE_NULL else {
                    sqlite3_result_null(context)
                    return
                }
                let start = sqlite3_value_blob(value)  // blob first, then its size, as SQLite asks
                let count = Int(sqlite3_value_bytes(value))
                sqlite3_result_int64(context, Int64(CRC32C.checksum(UnsafeRawBufferPointer(start: start, count: count))))
            }, nil, nil, nil)
        // Whether a lease owner (`host:pid:random`) is a process on this host that is gone, for
        // the worker's claiming statement.
        sqlite3_create_function_v2(
            db, "onboarding_owner_gone", 1, SQLITE_UTF8, nil,
            { context, _, arguments in
                guard let value = arguments?[0], let text = sqlite3_value_text(value) else {
                    sqlite3_result_int(context, 0)
                    return
                }
                sqlite3_result_int(context, LeaseOwner.isDeadLocalProcess(String(cString: text)) ? 1 : 0)
            }, nil, nil, nil)
    }

    deinit { close() }

    func close() {
        for (_, statement) in statements { sqlite3_finalize(statement) }
        statements.removeAll()
        hotStatements.removeAll()
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
    }

    /// Runs one or more statements that take no parameters and return no rows of interest.
    func execute(_ sql: String) throws(JournalError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if rc != SQLITE_OK {
            let text = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(errorMessage)
            throw error(rc, text, sql: sql)
        }
    }

    /// Prepares (or reuses) a statement, binds `arguments`, and calls `row` for each result row.
    func query(_ sql: String, _ arguments: [SQLiteValue] = [], row: (SQLiteRow) throws -> Void) throws {
        let statement = try prepare(sql)
        var failed = false
        defer {
            if failed {
                // A statement that failed may be in a bad state: drop it from the cache.
                statements[StatementKey(sql)] = nil
                hotStatements.removeAll { $0.statement == statement }
                sqlite3_finalize(statement)
            } else {
                sqlite3_reset(statement)
                sqlite3_clear_bindings(statement)
            }
        }
        try bind(arguments, to: statement, sql: sql)
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_ROW {
                try row(SQLiteRow(statement: statement))
            } else if rc == SQLITE_DONE {
                return
            } else {
                failed = true
                throw error(rc, String(cString: sqlite3_errmsg(handle)), sql: sql)
            }
        }
    }

    /// Runs a statement that returns no rows.
    func run(_ sql: String, _ arguments: [SQLiteValue] = []) throws {
        try query(sql, arguments) { _ in }
    }

    /// Returns the first column of the first row, if any.
    func scalar(_ sql: String, _ arguments: [SQLiteValue] = []) throws -> SQLiteValue? {
        var result: SQLiteValue?
        try query(sql, arguments) { row in
            if result == nil { result = row.value(0) }
        }
        return result
    }

    var changes: Int { Int(sqlite3_changes(handle)) }

    /// Whether SQLite opened the file read-only (it does so silently when asked to read and
    /// write a file this user may only read).
    var isReadOnly: Bool { sqlite3_db_readonly(handle, "main") == 1 }

    /// Runs `body` inside a transaction and commits it; rolls back and rethrows the first error.
    func transaction<T>(immediate: Bool = true, _ body: () throws -> T) throws -> T {
        // Prepared and cached like any statement: one durable commit per task is the hot path.
        try run(immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED")
        return try commitOrRollBack(body)
    }

    /// Runs `body` in the transaction just begun, then commits; rolls back and rethrows the first error.
    private func commitOrRollBack<T>(_ body: () throws -> T) throws -> T {
        do {
            let value = try body()
            try run("COMMIT")
            return value
        } catch {
            // Keep the first error; a failed rollback (no transaction left) is not interesting.
            if sqlite3_get_autocommit(handle) == 0 { try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Like ``transaction(immediate:_:)``, but returns `nil` at once, having done nothing, when
    /// another connection holds the write lock, instead of waiting up to the busy timeout.
    func transactionIfUncontended<T>(_ body: () throws -> T) throws -> T? {
        let begin = try prepare("BEGIN IMMEDIATE")
        sqlite3_busy_timeout(handle, 0)
        let rc = sqlite3_step(begin)
        sqlite3_reset(begin)
        sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
        if rc & 0xff == SQLITE_BUSY || rc & 0xff == SQLITE_LOCKED { return nil }
        guard rc == SQLITE_DONE else { throw error(rc, String(cString: sqlite3_errmsg(handle)), sql: "BEGIN IMMEDIATE") }
        return try commitOrRollBack(body)
    }

    private func prepare(_ sql: String) throws(JournalError) -> OpaquePointer {
        let text = sql.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil
        if let text {
            for entry in hotStatements where entry.text == text && entry.sql == sql { return entry.statement }
        }
        let key = StatementKey(sql)
        if let cached = statements[key] {
            if let text, hotStatements.count < 32 { hotStatements.append((text, sql, cached)) }
            return cached
        }
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard rc == SQLITE_OK, let statement else {
            throw error(rc, String(cString: sqlite3_errmsg(handle)), sql: sql)
        }
        statements[key] = statement
        return statement
    }

    private func bind(_ arguments: [SQLiteValue], to statement: OpaquePointer, sql: String) throws(JournalError) {
        for (offset, value) in arguments.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32
            switch value {
            case .null: rc = sqlite3_bind_null(statement, index)
            case .integer(let v): rc = sqlite3_bind_int64(statement, index, v)
            case .double(let v): rc = sqlite3_bind_double(statement, index, v)
            case .text(var v):
                // Its UTF-8 with its length: no C string made, no `strlen`. An empty string's buffer
                // may have no address, which would bind NULL: it is bound as a literal.
                rc = v.withUTF8 { utf8 in
                    guard let base = utf8.baseAddress, !utf8.isEmpty else {
                        return sqlite3_bind_text(statement, index, "", 0, sqliteTransient)
                    }
                    return base.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                        sqlite3_bind_text(statement, index, $0, Int32(utf8.count), sqliteTransient)
                    }
                }
            case .blob(let bytes) where bytes.isEmpty:
                // Not `bind_blob` with an empty buffer, whose pointer may be nil: that binds NULL.
                rc = sqlite3_bind_zeroblob(statement, index, 0)
            case .blob(let bytes):
                rc = bytes.withUnsafeBytes { buffer in
                    sqlite3_bind_blob(statement, index, buffer.baseAddress, Int32(buffer.count), sqliteTransient)
                }
            }
            if rc != SQLITE_OK { throw error(rc, String(cString: sqlite3_errmsg(handle)), sql: sql) }
        }
    }

    /// Maps an SQLite result code to a ``JournalError`` a person can act on.
    func error(_ rc: Int32, _ text: String, sql: String?) -> JournalError {
        switch rc & 0xff {
        case SQLITE_CORRUPT:
            return JournalError(
                .corrupt,
                "The journal file is damaged (\(text)). It was left untouched: keep a copy and restore it from backup.",
                path: path, sqliteCode: rc, sql: sql)
        case SQLITE_NOTADB:
            return JournalError(
                .notAJournal,
                "The file is not an SQLite database, so it is not a journal (or its header is destroyed). It was left untouched (\(text)).",
                path: path, sqliteCode: rc, sql: sql)
        case SQLITE_BUSY, SQLITE_LOCKED:
            return JournalError(
                .busy, "Another process kept the journal locked past the busy timeout (\(text)); try again.",
                path: path, sqliteCode: rc, sql: sql)
        case SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_READONLY, SQLITE_FULL, SQLITE_IOERR:
            return JournalError(
                .cannotOpen, "The journal file cannot be read or written (\(text)). Check its permissions and free disk space.",
                path: path, sqliteCode: rc, sql: sql)
        default:
            return JournalError(.sqlite, "SQLite failed: \(text).", path: path, sqliteCode: rc, sql: sql)
        }
    }
}

/// A value bound to, or read from, an SQLite statement.
enum SQLiteValue: Equatable {
    case null
    case integer(Int64)
    case double(Double)
    case text(String)
    case blob([UInt8])

    static func optionalText(_ value: String?) -> SQLiteValue { value.map(SQLiteValue.text) ?? .null }
    static func optionalDouble(_ value: Double?) -> SQLiteValue { value.map(SQLiteValue.double) ?? .null }
    static func optionalBlob(_ value: [UInt8]?) -> SQLiteValue { value.map(SQLiteValue.blob) ?? .null }
    /// The journal's CRC-32C of `bytes`, as stored beside them.
    static func checksum(of bytes: [UInt8]) -> SQLiteValue { .integer(Int64(CRC32C.checksum(bytes))) }
    /// The journal's CRC-32C of `text`'s UTF-8, as stored beside it.
    static func checksum(of text: String) -> SQLiteValue { .integer(Int64(CRC32C.checksum(text))) }

    var int: Int? { if case .integer(let v) = self { Int(v) } else { nil } }
    var string: String? { if case .text(let v) = self { v } else { nil } }
    var double: Double? {
        switch self {
        case .double(let v): v
        case .integer(let v): Double(v)
        default: nil
        }
    }
}

/// The current row of a statement being stepped. Valid only inside the `row` closure.
struct SQLiteRow {
    let statement: OpaquePointer

    func value(_ column: Int32) -> SQLiteValue {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, column))
        case SQLITE_FLOAT: return .double(sqlite3_column_double(statement, column))
        case SQLITE_TEXT: return .text(text(column) ?? "")
        case SQLITE_BLOB: return .blob(blob(column) ?? [])
        default: return .null
        }
    }

    func text(_ column: Int32) -> String? {
        guard let pointer = sqlite3_column_text(statement, column) else { return nil }
        return String(cString: pointer)
    }

    func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(statement, column)) }

    func double(_ column: Int32) -> Double? {
        sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : sqlite3_column_double(statement, column)
    }

    /// The journal's CRC-32C of the column's bytes, read in place; `nil` for NULL.
    func checksum(_ column: Int32) -> UInt32? {
        guard sqlite3_column_type(statement, column) != SQLITE_NULL else { return nil }
        let pointer = sqlite3_column_blob(statement, column)
        let count = Int(sqlite3_column_bytes(statement, column))
        return CRC32C.checksum(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    func blob(_ column: Int32) -> [UInt8]? {
        guard sqlite3_column_type(statement, column) != SQLITE_NULL else { return nil }
        let count = Int(sqlite3_column_bytes(statement, column))
        guard count > 0, let pointer = sqlite3_column_blob(statement, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}

/// The statement cache's key: the SQL text, hashed by its length and last bytes only. Hashing
/// every byte of every statement on each execution cost more than some statements themselves;
/// equality still compares the whole text (at once when it is the same string literal).
private struct StatementKey: Hashable {
    let sql: String

    init(_ sql: String) { self.sql = sql }

    func hash(into hasher: inout Hasher) {
        var tail: UInt64 = 0
        for byte in sql.utf8.suffix(8) { tail = tail << 8 | UInt64(byte) }
        hasher.combine(sql.utf8.count)
        hasher.combine(tail)
    }
}
