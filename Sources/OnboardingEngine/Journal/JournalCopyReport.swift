/// What ``JournalCopy`` copied into its destination.
public struct JournalCopyReport: Sendable, Hashable {
    /// The runs copied, oldest first.
    public var runs: [RunID]
    /// Their task records.
    public var tasks: Int
    /// Their events.
    public var events: Int
    /// The confirmations, signals and cancels that were waiting for their owners.
    public var messages: Int

    /// Creates a report.
    public init(runs: [RunID] = [], tasks: Int = 0, events: Int = 0, messages: Int = 0) {
        self.runs = runs
        self.tasks = tasks
        self.events = events
        self.messages = messages
    }
}
