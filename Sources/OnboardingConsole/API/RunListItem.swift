import Foundation
import OnboardingEngine

/// One run of a listing: `GET /api/runs` and `onboard runs --json` (schema in `Docs/SupportConsole.md`).
public struct RunListItem: Codable, Equatable, Sendable {
    /// The task a run stopped at: its first failed, waiting or blocked task.
    public struct StoppedAt: Codable, Equatable, Sendable {
        /// The task.
        public var task: String
        /// `failed`, `waiting` or `blocked`.
        public var state: String
        /// Its last error's code, if any.
        public var errorCode: String?
        /// Its last error in words, if any.
        public var errorMessage: String?
        /// It has been in this state at least since then (its last change).
        public var since: Date
    }

    /// The run's id.
    public var id: String
    /// The workflow.
    public var workflow: String
    /// `running`, `succeeded`, `failed`, `waiting`, `blocked`, `cancelled`.
    public var state: String
    /// When the run was created.
    public var createdAt: Date
    /// When its state or lease last changed.
    public var updatedAt: Date
    /// Whether it was a dry run.
    public var dryRun: Bool
    /// Task state → number of tasks in it; states with no tasks are left out.
    public var taskCounts: [String: Int]
    /// Marked running, but no live engine holds it: its process stopped.
    public var stalled: Bool
    /// The host's labels (e.g. `tenant`, `org`); absent when it has none.
    public var labels: [String: String]?
    /// Where it stopped; absent when no task is failed, waiting or blocked.
    public var stoppedAt: StoppedAt?

    /// The item for `listing`, labelled by `labels`.
    public init(_ listing: RunListing, labels: [String: String] = [:]) {
        id = listing.id.rawValue
        workflow = listing.summary.workflow
        state = listing.summary.state.rawValue
        createdAt = listing.summary.createdAt
        updatedAt = listing.summary.updatedAt
        dryRun = listing.summary.dryRun
        taskCounts = Dictionary(uniqueKeysWithValues: listing.summary.taskCounts.map { ($0.key.rawValue, $0.value) })
        stalled = listing.stalled
        self.labels = labels.isEmpty ? nil : labels
        stoppedAt = listing.attention.map {
            StoppedAt(
                task: $0.task.rawValue, state: $0.state.rawValue, errorCode: $0.error?.code,
                errorMessage: $0.error?.message, since: $0.since)
        }
    }
}
