public import Foundation

/// Something the engine did, for progress displays. Subscribe with ``Engine/events()``.
///
/// Events mirror the journal's timeline but are not durable: a display that starts late reads
/// the journal (``Journal/events(of:after:)``) for what came before.
public struct EngineEvent: Sendable, Hashable {
    /// What happened.
    public enum Kind: Sendable, Hashable {
        /// A new run began.
        case runStarted
        /// A run was resumed.
        case runResumed
        /// A run ended: succeeded, failed or cancelled.
        case runFinished(RunState)
        /// A run parked: waiting or blocked.
        case runParked(RunState)
        /// A task's attempt started.
        case taskStarted
        /// A task succeeded (or, in a dry run, was observed).
        case taskSucceeded
        /// A task failed permanently.
        case taskFailed
        /// A task failed and will be retried at the given instant.
        case taskRetrying(at: Date)
        /// A task parked: waiting or blocked.
        case taskParked(TaskState)
    }

    /// The run.
    public var runID: RunID
    /// The task, for task events.
    public var taskID: TaskID?
    /// What happened.
    public var kind: Kind
    /// When, on the engine's clock.
    public var at: Date
    /// The attempt, for task events.
    public var attempt: Int?
    /// The error, reason or action text, if any.
    public var message: String?
}
