public import Foundation

/// One line of a fleet summary (``Engine/fleetSummary()``): how many unfinished runs of
/// a workflow stopped at one task in one state, out of how many runs of that workflow.
public struct FleetEntry: Sendable, Hashable {
    /// The workflow.
    public var workflow: String
    /// The task the runs stopped at.
    public var task: TaskID
    /// `failed`, `waiting` or `blocked`.
    public var state: TaskState
    /// How many runs have this task in this state.
    public var runs: Int
    /// How many runs of the workflow the journal holds, in any state.
    public var workflowRuns: Int
    /// The oldest last change among those tasks: the longest one has been stopped there at least since.
    public var oldestSince: Date

    /// An entry as a journal backend reads it.
    package init(workflow: String, task: TaskID, state: TaskState, runs: Int, workflowRuns: Int, oldestSince: Date) {
        self.workflow = workflow
        self.task = task
        self.state = state
        self.runs = runs
        self.workflowRuns = workflowRuns
        self.oldestSince = oldestSince
    }
}
