public import Foundation

/// Why a task is parked, and what must happen for it to continue.
public struct ParkReason: Sendable, Hashable, Codable {
    /// What the task waits for.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A person must take ``ParkReason/message``'s action and confirm it.
        case person
        /// A condition must hold; the task is re-checked at ``TaskRecord/nextAttemptAt`` or on resume.
        case condition
        /// Permissions are missing: ``ParkReason/missingPermissions``.
        case permissions
        /// A mutating task waits for the run's next change window.
        case changeWindow
    }

    /// What the task waits for.
    public var kind: Kind
    /// The action or condition, in words a person can act on.
    public var message: String
    /// The missing permissions, for ``Kind-swift.enum/permissions``.
    public var missingPermissions: [Permission]

    /// Creates a park reason.
    public init(kind: Kind, message: String, missingPermissions: [Permission] = []) {
        self.kind = kind
        self.message = message
        self.missingPermissions = missingPermissions
    }
}

/// The last error a task reported, as journaled.
public struct TaskErrorInfo: Sendable, Hashable, Codable {
    /// Whether the engine would retry it.
    public var retryable: Bool
    /// The error in words a person can act on.
    public var message: String
    /// A machine-readable code from the task, e.g. `"AADSTS65001"`, if any.
    public var code: String?

    /// Creates an error record.
    public init(retryable: Bool, message: String, code: String? = nil) {
        self.retryable = retryable
        self.message = message
        self.code = code
    }
}

/// A person's confirmation that a waiting task's action was done.
public struct Confirmation: Sendable, Hashable, Codable {
    /// Who confirmed.
    public var actor: String
    /// When.
    public var at: Date
    /// What they said, if anything (e.g. "SPF updated at the registrar").
    public var note: String?

    /// Creates a confirmation.
    public init(actor: String, at: Date, note: String?) {
        self.actor = actor
        self.at = at
        self.note = note
    }
}
