import Foundation

/// An event not yet written.
package struct PendingEvent: Sendable {
    package var taskID: TaskID?
    package var at: Date
    package var actor: String
    package var action: String
    package var reason: String?
    package var attempt: Int?
}
