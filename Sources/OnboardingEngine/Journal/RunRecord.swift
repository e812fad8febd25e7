public import Foundation

/// A run as the journal records it.
public struct RunRecord: Sendable, Hashable {
    /// The run's id.
    public var id: RunID
    /// The workflow's name.
    public var workflow: String
    /// The fingerprint of the graph the run follows.
    public var fingerprint: String
    /// The host's non-secret input, as JSON.
    public var input: [UInt8]
    /// The run's options.
    public var options: RunOptions
    /// Where the run stands.
    public var state: RunState
    /// When the run was created.
    public var createdAt: Date
    /// When the run's state or lease last changed.
    public var updatedAt: Date
    /// The engine that holds the run's lease, e.g. `"host-a:4242:7F3A…"`, if any.
    public var leaseOwner: String?
    /// When that lease expires unless renewed.
    public var leaseExpiresAt: Date?
    /// Whether a person asked to cancel the run while another engine ran it.
    public var cancelRequested: Bool
    /// When a worker should next look at the parked run: its earliest retry, condition re-check
    /// or change-window opening. `nil` while it runs, or waits only for a person or permissions.
    public var wakeAt: Date? = nil

    /// Whether the run is marked running but no live engine holds its lease: the lease expired,
    /// or its owner is a process on this host that no longer exists. Resume it.
    public func isStalled(at now: Date) -> Bool {
        state == .running && !LeaseOwner.isLive(owner: leaseOwner, expiresAt: leaseExpiresAt, now: now, self: "")
    }

    /// Decodes the run's input.
    public func decodeInput<T: Decodable>(as type: T.Type = T.self) throws -> T {
        try JSONCoding.decode(type, from: input)
    }

    /// A record as a journal backend reads it.
    package init(
        id: RunID, workflow: String, fingerprint: String, input: [UInt8], options: RunOptions, state: RunState,
        createdAt: Date, updatedAt: Date, leaseOwner: String?, leaseExpiresAt: Date?, cancelRequested: Bool, wakeAt: Date? = nil
    ) {
        self.id = id
        self.workflow = workflow
        self.fingerprint = fingerprint
        self.input = input
        self.options = options
        self.state = state
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.leaseOwner = leaseOwner
        self.leaseExpiresAt = leaseExpiresAt
        self.cancelRequested = cancelRequested
        self.wakeAt = wakeAt
    }
}

/// A task's state within a run, as the journal records it.
public struct TaskRecord: Sendable, Hashable {
    /// The task's id.
    public var id: TaskID
    /// Where it stands.
    public var state: TaskState
    /// Attempts started since the task last succeeded, parked or was retried by support; crashed attempts count.
    public var attempts: Int
    /// Times in a row the process stopped while this task was running.
    public var consecutiveCrashes: Int
    /// The output as JSON, once succeeded (or supplied with a skip).
    public var output: [UInt8]?
    /// The last error, if any.
    public var lastError: TaskErrorInfo?
    /// Why it is parked, if it is.
    public var park: ParkReason?
    /// The confirmation of a waiting action, once a person gave it.
    public var confirmation: Confirmation?
    /// What a dry run's `observe` found.
    public var observation: Observation?
    /// When the next attempt or re-check is due, if scheduled.
    public var nextAttemptAt: Date?
    /// When the record last changed.
    public var updatedAt: Date

    /// Creates a pending record.
    package init(id: TaskID, at now: Date) {
        self.id = id
        self.state = .pending
        self.attempts = 0
        self.consecutiveCrashes = 0
        self.updatedAt = now
    }

    /// Decodes the output.
    public func decodeOutput<T: Decodable>(as type: T.Type = T.self) throws -> T? {
        try output.map { try JSONCoding.decode(type, from: $0) }
    }
}

/// One entry of a run's append-only timeline: who did what, when, and why.
public struct JournalEvent: Sendable, Hashable {
    /// The event's position in its run's timeline: 1, 2, 3, …
    public var sequence: Int64
    /// The run.
    public var runID: RunID
    /// The task, for task events.
    public var taskID: TaskID?
    /// When it happened.
    public var at: Date
    /// Who did it: `"engine"` or a person's name for support actions.
    public var actor: String
    /// What happened, e.g. `"task.started"`, `"task.skipped"` (see `Docs/JournalFormat.md`).
    public var action: String
    /// Why, or the detail: an error message, a skip reason, a diff.
    public var reason: String?
    /// The task's attempt number, for task events.
    public var attempt: Int?

    /// An event as a journal backend reads it.
    package init(
        sequence: Int64, runID: RunID, taskID: TaskID?, at: Date, actor: String, action: String, reason: String?, attempt: Int?
    ) {
        self.sequence = sequence
        self.runID = runID
        self.taskID = taskID
        self.at = at
        self.actor = actor
        self.action = action
        self.reason = reason
        self.attempt = attempt
    }
}

/// A short view of a run for listings.
public struct RunSummary: Sendable, Hashable {
    /// The run's id.
    public var id: RunID
    /// The workflow's name.
    public var workflow: String
    /// Where the run stands.
    public var state: RunState
    /// When the run was created.
    public var createdAt: Date
    /// When the run last changed state.
    public var updatedAt: Date
    /// Tasks per state.
    public var taskCounts: [TaskState: Int]
    /// Whether this was a dry run.
    public var dryRun: Bool

    /// A summary as a journal backend reads it.
    package init(
        id: RunID, workflow: String, state: RunState, createdAt: Date, updatedAt: Date, taskCounts: [TaskState: Int],
        dryRun: Bool
    ) {
        self.id = id
        self.workflow = workflow
        self.state = state
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.taskCounts = taskCounts
        self.dryRun = dryRun
    }
}
