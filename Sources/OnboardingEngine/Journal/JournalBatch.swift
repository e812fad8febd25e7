package import Foundation

/// Task updates, events and run changes written together in one transaction.
package struct JournalBatch: Sendable {
    package var tasks: [TaskRecord] = []
    package var events: [PendingEvent] = []
    package var runState: RunState?
    package var at: Date?
    package var releaseLease = false
    /// Messages (``Journal/pendingMessages()``) whose effect this batch records.
    package var consumedMessages: [Int64] = []

    /// Empties the batch for the next commit, keeping its arrays' storage: a runner commits
    /// once per task of a chain, and each fresh batch grew its arrays again.
    package mutating func removeAll() {
        tasks.removeAll(keepingCapacity: true)
        events.removeAll(keepingCapacity: true)
        runState = nil
        at = nil
        releaseLease = false
        consumedMessages.removeAll(keepingCapacity: true)
    }

    package var isEmpty: Bool { tasks.isEmpty && events.isEmpty && runState == nil && !releaseLease && consumedMessages.isEmpty }
}
