import Foundation

/// What a bulk preview or apply did to each run (`POST /api/bulk/preview`, `/api/bulk/apply`,
/// `onboard retry --where`).
public struct BulkReport: Codable, Equatable, Sendable {
    /// One run's line.
    public struct Item: Codable, Equatable, Sendable {
        /// The run.
        public var run: String
        /// The task acted on, if any.
        public var task: String?
        /// Preview: `would-apply` or `would-refuse`; apply: `applied`, `refused` (the engine said no,
        /// nothing written) or `failed` (another error, e.g. the journal; nothing written).
        public var outcome: String
        /// What it would do or did, or why not, in words.
        public var message: String
        /// The host's labels for the run; absent when it has none.
        public var labels: [String: String]?
    }

    /// Bumped only for incompatible changes; new fields may be added within a version.
    public var schemaVersion = 1
    /// The action (`retry`, `retry-from`, `skip`, `confirm`, `signal`, `cancel`).
    public var action: String
    /// `false` for a preview (nothing was written), `true` for an apply.
    public var applied: Bool
    /// How many runs matched the filter.
    public var matched: Int
    /// Outcome → how many runs had it.
    public var outcomes: [String: Int]
    /// One item per matched run, newest first.
    public var items: [Item]

    /// A report of `items`.
    public init(action: String, applied: Bool, items: [Item]) {
        self.action = action
        self.applied = applied
        self.matched = items.count
        self.items = items
        self.outcomes = items.reduce(into: [:]) { $0[$1.outcome, default: 0] += 1 }
    }
}
