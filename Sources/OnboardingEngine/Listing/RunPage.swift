public import Foundation

/// One page of runs matching a ``RunFilter``, newest first, with how many match in all and per state.
public struct RunPage: Sendable, Hashable {
    /// The page's runs, newest first (by creation, then id).
    public var runs: [RunListing]
    /// How many runs match the filter in all.
    public var total: Int
    /// How many runs match the filter apart from its states, per state (states with none left out),
    /// so a list can show "failed 12 · waiting 30" beside a state filter.
    public var countsByState: [RunState: Int]

    /// A page as a journal backend reads it.
    package init(runs: [RunListing], total: Int, countsByState: [RunState: Int]) {
        self.runs = runs
        self.total = total
        self.countsByState = countsByState
    }
}

/// A run as a listing shows it: its summary, its input (for the host to label it), whether it is
/// stalled, and the task it stopped at.
public struct RunListing: Sendable, Hashable {
    /// The task a run stopped at: its first failed task in the graph's order, else its first
    /// waiting one, else its first blocked one (a failed run may also have a task waiting for a
    /// person; the failure is what support must see).
    public struct Attention: Sendable, Hashable {
        /// The task.
        public var task: TaskID
        /// `failed`, `waiting` or `blocked`.
        public var state: TaskState
        /// Its last error, if any.
        public var error: TaskErrorInfo?
        /// When its record last changed (it has been in this state at least since then).
        public var since: Date

        /// An attention as a journal backend reads it.
        package init(task: TaskID, state: TaskState, error: TaskErrorInfo?, since: Date) {
            self.task = task
            self.state = state
            self.error = error
            self.since = since
        }

        /// Whether a task in `state`, met later in the graph's order than this one, names where the
        /// run stopped better than this one: a failure before a wait, a wait before a block.
        package func isOutranked(by state: TaskState) -> Bool {
            let rank = RunFilter.attentionStates.firstIndex(of:)
            guard let new = rank(state) else { return false }
            return new < (rank(self.state) ?? RunFilter.attentionStates.count)
        }
    }

    /// Id, workflow, state, times, task counts.
    public var summary: RunSummary
    /// The host's non-secret input, as JSON (checked against its checksum).
    public var input: [UInt8]
    /// Marked running, but no live engine holds its lease (``RunRecord/isStalled(at:)``).
    public var stalled: Bool
    /// The task it stopped at, if any.
    public var attention: Attention?

    /// A listing as a journal backend reads it.
    package init(summary: RunSummary, input: [UInt8], stalled: Bool, attention: Attention?) {
        self.summary = summary
        self.input = input
        self.stalled = stalled
        self.attention = attention
    }

    /// The run's id.
    public var id: RunID { summary.id }
}
