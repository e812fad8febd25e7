import Synchronization

/// The queue of a journal's group commit.
struct GroupCommit {
    /// One run's batch waiting to be committed.
    struct Entry: Sendable {
        private static let counter = Atomic<Int>(0)
        let id = Entry.counter.add(1, ordering: .relaxed).newValue
        let batch: JournalBatch
        let run: RunID
        let owner: String?
    }

    /// What a waiting caller is told.
    enum Outcome: Sendable {
        /// Its batch was committed (or failed).
        case done(Result<Bool, any Error>)
        /// It must lead the next group.
        case lead
    }

    /// Batches waiting; a leader's own entry has no continuation (it never suspended).
    var pending: [(entry: Entry, continuation: CheckedContinuation<Outcome, Never>?)] = []
    var leading = false
}
