/// How the journal file is opened.
public struct JournalOptions: Sendable, Hashable {
    /// SQLite's `synchronous` setting.
    public enum Durability: String, Sendable, Hashable {
        /// `synchronous=FULL`: a step reported done survives power loss. The default.
        case full = "FULL"
        /// `synchronous=NORMAL`: faster; in WAL mode the last commits may be lost on power loss
        /// (never on a process crash).
        case normal = "NORMAL"
    }

    /// Durability of each commit.
    public var durability: Durability
    /// How long a connection waits for another process's lock before failing, in milliseconds.
    public var busyTimeoutMilliseconds: Int32
    /// Whether to create the file when it does not exist. An existing file is never recreated,
    /// and an existing file that is not already a journal (empty, or another program's) is refused.
    public var createIfMissing: Bool
    /// Open for reading only: listing and showing runs work for a user who may only read the
    /// file; every write fails with a ``JournalError``. Never creates or upgrades the file.
    public var readOnly: Bool

    /// Creates journal options.
    public init(
        durability: Durability = .full, busyTimeoutMilliseconds: Int32 = 5_000, createIfMissing: Bool = true,
        readOnly: Bool = false
    ) {
        self.durability = durability
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        self.createIfMissing = createIfMissing && !readOnly
        self.readOnly = readOnly
    }

    /// Read-only options: for support commands that only look.
    public static let reading = JournalOptions(readOnly: true)
}
