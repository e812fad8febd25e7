import Foundation

/// Task updates, events and run changes written together in one transaction.
package struct JournalBatch: Sendable {
    package var tasks: [TaskRecord] = []
    package var events: [PendingEvent] = []
    package var runState: RunState?
    package var at: Date?
    package var releaseLease = false
    /// Messages (``Journal/pendingMessages()``) whose effect this batch records.
    package var consumedMessages: [Int64] = []

    package var isEmpty: Bool { tasks.isEmpty && events.isEmpty && runState == nil && !releaseLease && consumedMessages.isEmpty }
}
