package import Foundation

/// An event not yet written.
package struct PendingEvent: Sendable {
    package var taskID: TaskID?
    package var at: Date
    package var actor: String
    package var action: String
    package var reason: String?
    package var attempt: Int?

    package init(taskID: TaskID? = nil, at: Date, actor: String, action: String, reason: String? = nil, attempt: Int? = nil) {
        self.taskID = taskID
        self.at = at
        self.actor = actor
        self.action = action
        self.reason = reason
        self.attempt = attempt
    }
}
