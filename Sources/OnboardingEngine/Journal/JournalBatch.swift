import Foundation

/// Task updates, events and run changes written together in one transaction.
struct JournalBatch: Sendable {
    var tasks: [TaskRecord] = []
    var events: [PendingEvent] = []
    var runState: RunState?
    var at: Date?
    var releaseLease = false
    /// Messages (``Journal/pendingMessages()``) whose effect this batch records.
    var consumedMessages: [Int64] = []

    var isEmpty: Bool { tasks.isEmpty && events.isEmpty && runState == nil && !releaseLease && consumedMessages.isEmpty }
}
