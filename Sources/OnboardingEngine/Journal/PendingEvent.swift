import Foundation

/// An event not yet written.
struct PendingEvent: Sendable {
    var taskID: TaskID?
    var at: Date
    var actor: String
    var action: String
    var reason: String?
    var attempt: Int?
}
