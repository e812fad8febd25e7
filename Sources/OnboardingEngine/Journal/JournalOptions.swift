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
    /// Whether to create the file when it does not exist. An existing file is never recreated.
    public var createIfMissing: Bool

    /// Creates journal options.
    public init(durability: Durability = .full, busyTimeoutMilliseconds: Int32 = 5_000, createIfMissing: Bool = true) {
        self.durability = durability
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        self.createIfMissing = createIfMissing
    }
}
