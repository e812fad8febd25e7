/// Where a run stands.
public enum RunState: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Not finished: an engine is running it, or it was interrupted (see ``RunRecord/isStalled(at:)``).
    case running
    /// Every task succeeded or was skipped.
    case succeeded
    /// A task failed permanently (or crashed too often); support can retry or skip it.
    case failed
    /// Parked: a person must act, a condition must hold, or a change window must open.
    case waiting
    /// Parked: a task lacks permissions; grant them and resume.
    case blocked
    /// Cancelled by a person; it will not run again.
    case cancelled

    /// Whether the run is parked (waiting or blocked) and can continue on resume.
    public var isParked: Bool { self == .waiting || self == .blocked }
    public var description: String { rawValue }
}

/// Where a task stands within its run.
public enum TaskState: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Not started yet, or waiting for its next attempt (``TaskRecord/nextAttemptAt``).
    case pending
    /// Started; its start is journaled. Found on resume, it means the process stopped mid-task.
    case running
    /// Finished; its output is journaled.
    case succeeded
    /// Failed permanently; its dependents do not run until support retries or skips it.
    case failed
    /// Skipped by a person, with a reason (and possibly a supplied output).
    case skipped
    /// Parked until a person confirms an action or a condition holds (``TaskRecord/park``).
    case waiting
    /// Parked until the missing permissions in ``TaskRecord/park`` are granted.
    case blocked
    /// Looked at by a dry run: ``TaskRecord/observation`` says what `run` would change.
    case observed

    /// Whether dependents may start (succeeded, skipped, or observed in a dry run).
    public var releasesDependents: Bool { self == .succeeded || self == .skipped || self == .observed }
    public var description: String { rawValue }
}
