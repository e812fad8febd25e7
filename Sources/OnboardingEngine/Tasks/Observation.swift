/// What a task's read-only `observe` found: whether the desired state already holds and, if not,
/// what `run` would change. Plans and dry runs are built from observations.
public struct Observation: Sendable, Hashable, Codable {
    /// Whether the desired state holds, if the task could tell.
    public enum Status: String, Sendable, Hashable, Codable {
        /// Nothing to do: `run` would change nothing.
        case satisfied
        /// `run` would make the listed ``Observation/changes``.
        case wouldChange
        /// The task cannot tell without running (no `observe`, or a dependency's output is missing).
        case unknown
    }

    /// Whether the desired state holds.
    public var status: Status
    /// Human-readable changes `run` would make, e.g. `"create inbound connector 'Essentials Inbound'"`.
    public var changes: [String]
    /// Why the status is unknown, when it is.
    public var note: String?

    /// Creates an observation.
    public init(status: Status, changes: [String] = [], note: String? = nil) {
        self.status = status
        self.changes = changes
        self.note = note
    }

    /// The desired state already holds.
    public static let satisfied = Observation(status: .satisfied)

    /// `run` would make these changes; an empty list means the state holds.
    public static func wouldChange(_ changes: [String]) -> Observation {
        changes.isEmpty ? .satisfied : Observation(status: .wouldChange, changes: changes)
    }

    /// The task cannot tell what `run` would do.
    public static func unknown(_ note: String) -> Observation { Observation(status: .unknown, note: note) }
}
