/// What a run would do from here: per task, whether it is done, what `observe` says would
/// change, and the permissions it needs. Built without calling any task's `run` and without
/// writing to the journal.
public struct Plan: Sendable {
    /// One task's line in a plan.
    public struct Entry: Sendable, Hashable {
        /// The task.
        public var id: TaskID
        /// Its state in the run's journal (`pending` for a run not yet started).
        public var state: TaskState
        /// Whether it would run: false when it already succeeded or was skipped.
        public var wouldRun: Bool
        /// What `observe` found, for tasks that would run.
        public var observation: Observation?
        /// Its dependencies.
        public var dependencies: [TaskID]
        /// The permissions it needs.
        public var requiredPermissions: [Permission]
        /// Whether it changes anything.
        public var effect: TaskEffect
    }

    /// The run planned, if it exists in the journal.
    public var runID: RunID?
    /// The workflow.
    public var workflow: String
    /// Every task, in topological order.
    public var entries: [Entry]

    /// The tasks whose observation would change something: in a drift check, what drifted.
    public var drifted: [Entry] {
        entries.filter { $0.observation?.status == .wouldChange && !($0.observation?.changes.isEmpty ?? true) }
    }

    /// The union of the permissions the tasks that would run need.
    public var requiredPermissions: Set<Permission> {
        entries.filter(\.wouldRun).reduce(into: []) { $0.formUnion($1.requiredPermissions) }
    }
}

/// The outcome of comparing granted permissions with what the remaining tasks need.
public struct PermissionReport: Sendable, Hashable {
    /// One task's needs.
    public struct Entry: Sendable, Hashable {
        /// The task.
        public var id: TaskID
        /// What it needs.
        public var required: [Permission]
        /// What it needs and is not granted.
        public var missing: [Permission]
    }

    /// What the host says is granted.
    public var granted: Set<Permission>
    /// The union of what the remaining tasks need.
    public var required: Set<Permission>
    /// Required but not granted.
    public var missing: Set<Permission> { required.subtracting(granted) }
    /// Per remaining task.
    public var entries: [Entry]
    /// Whether every remaining task has what it needs.
    public var isSatisfied: Bool { missing.isEmpty }
}
