/// Thrown from a task's `run` to end an attempt with an outcome other than success.
///
/// Any other error a task throws is treated as ``Kind-swift.enum/retryable(retryAfter:)``:
/// the engine backs off and tries again until the task's ``RetryPolicy`` gives up.
///
/// ```swift
/// guard spfIncludesEssentials else {
///     throw TaskInterruption.waitingForCondition("SPF does not include Essentials yet", recheckAfter: .seconds(900))
/// }
/// ```
public struct TaskInterruption: Error, Sendable, Hashable, CustomStringConvertible {
    /// What the engine should do with the task.
    public enum Kind: Sendable, Hashable {
        /// A transient failure: back off (at least `retryAfter`, when given) and try again.
        case retryable(retryAfter: Duration?)
        /// A failure that retrying cannot fix. The task stops as failed.
        case permanent
        /// The task cannot proceed without these permissions. The run parks as blocked.
        case blocked(missing: Set<Permission>)
        /// A person must do something (``TaskInterruption/message`` says what) and then confirm it.
        case waitingForPerson
        /// A condition outside the engine must hold first; the task is re-run after `recheckAfter`.
        case waitingForCondition(recheckAfter: Duration)
    }

    /// What the engine should do with the task.
    public var kind: Kind
    /// A sentence a support person can act on: the error, the missing permission, or the action to take.
    public var message: String
    /// A stable machine-readable code for the failure, e.g. `"AADSTS65001"`, if the task has one.
    public var code: String?

    /// Creates an interruption.
    public init(_ kind: Kind, message: String, code: String? = nil) {
        self.kind = kind
        self.message = message
        self.code = code
    }

    /// A transient failure; the engine retries after a backoff of at least `retryAfter`.
    public static func retryable(_ message: String, retryAfter: Duration? = nil, code: String? = nil) -> Self {
        Self(.retryable(retryAfter: retryAfter), message: message, code: code)
    }

    /// A failure retrying cannot fix.
    public static func permanent(_ message: String, code: String? = nil) -> Self {
        Self(.permanent, message: message, code: code)
    }

    /// The task needs permissions it does not have.
    public static func blocked(missing: Set<Permission>, _ message: String? = nil) -> Self {
        let names = missing.sorted().map(\.name).joined(separator: ", ")
        return Self(.blocked(missing: missing), message: message ?? "Missing permissions: \(names). Grant them, then resume the run.")
    }

    /// A person must take `action` and confirm it before the task can finish.
    public static func waitingForPerson(action: String) -> Self {
        Self(.waitingForPerson, message: action)
    }

    /// A condition must hold first; the engine re-runs the task every `recheckAfter` until it does.
    public static func waitingForCondition(_ description: String, recheckAfter: Duration) -> Self {
        Self(.waitingForCondition(recheckAfter: recheckAfter), message: description)
    }

    public var description: String { message }
}
