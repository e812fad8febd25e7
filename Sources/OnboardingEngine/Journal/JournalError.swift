/// An error about the journal file itself: it cannot be opened, is not a journal, is damaged,
/// or was written by a newer version of the library.
///
/// The journal never "starts afresh" after one of these: the file is left exactly as it was,
/// so nothing recorded in it is lost. The ``message`` says what a person can do about it.
public struct JournalError: Error, Sendable, CustomStringConvertible {
    /// What kind of problem this is. Extensible: new codes may be added in minor releases.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The stable name of the code, e.g. `"corrupt"`.
        public let name: String
        private init(_ name: String) { self.name = name }

        /// The file could not be opened or created (permissions, missing folder, disk full).
        public static let cannotOpen = Code("cannotOpen")
        /// The file is an SQLite database but not an onboarding journal.
        public static let notAJournal = Code("notAJournal")
        /// The file is damaged: SQLite reports corruption or it is not a database at all.
        public static let corrupt = Code("corrupt")
        /// The file was written by a newer schema than this library understands.
        public static let newerSchema = Code("newerSchema")
        /// The file has an older schema, and was opened read-only, so it could not be upgraded.
        /// Opening it once with write access upgrades it in place.
        public static let olderSchema = Code("olderSchema")
        /// Another connection held the file locked for longer than the busy timeout.
        public static let busy = Code("busy")
        /// Any other SQLite failure; ``JournalError/sqliteCode`` has the extended result code.
        public static let sqlite = Code("sqlite")
        /// A value stored in the journal could not be encoded or decoded.
        public static let encoding = Code("encoding")
        /// The database server could not be reached, or the connection to it was lost.
        public static let unreachable = Code("unreachable")
        /// The database server refused a statement (PostgreSQL's SQLSTATE is in the message).
        public static let database = Code("database")
        /// The journal holds runs where an empty one is needed: the destination of a ``JournalCopy``.
        public static let notEmpty = Code("notEmpty")
        /// A run read back from the destination of a ``JournalCopy`` differs from what was read from
        /// its source (nothing was written).
        public static let copyMismatch = Code("copyMismatch")

        public var description: String { name }
    }

    /// What kind of problem this is.
    public var code: Code
    /// A sentence a person can act on.
    public var message: String
    /// The journal file involved, when known.
    public var path: String?
    /// The extended SQLite result code, when the problem came from SQLite.
    public var sqliteCode: Int32?
    /// The SQL statement that failed, without its bound values (they may be tenant data).
    public var sql: String?
    /// The underlying error, if any.
    public var underlying: (any Error)?
    /// Where in this library the error was raised.
    public var location: String

    /// Creates a journal error.
    public init(
        _ code: Code,
        _ message: String,
        path: String? = nil,
        sqliteCode: Int32? = nil,
        sql: String? = nil,
        underlying: (any Error)? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.path = path
        self.sqliteCode = sqliteCode
        self.sql = sql
        self.underlying = underlying
        self.location = "\(file):\(line)"
    }

    public var description: String {
        var text = "journal error (\(code)): \(message)"
        if let path { text += " [file: \(path)]" }
        if let sqliteCode { text += " [sqlite code \(sqliteCode)]" }
        if let sql { text += " [sql: \(sql)]" }
        return text
    }
}
