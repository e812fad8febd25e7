import Foundation
import OnboardingEngine

/// `onboard runs --json`: the runs in a journal, newest first (schema in `Docs/SupportTool.md`).
struct RunList: Codable, Equatable, Sendable {
    /// One run.
    struct Run: Codable, Equatable, Sendable {
        var id: String
        var workflow: String
        /// `running`, `succeeded`, `failed`, `waiting`, `blocked`, `cancelled`.
        var state: String
        var createdAt: Date
        var updatedAt: Date
        var dryRun: Bool
        /// Task state → number of tasks in it; states with no tasks are left out.
        var taskCounts: [String: Int]
    }

    /// Bumped only for incompatible changes; new fields may be added within a version.
    var schemaVersion = 1
    var runs: [Run]

    init(_ summaries: [RunSummary]) {
        runs = summaries.map { summary in
            Run(
                id: summary.id.rawValue, workflow: summary.workflow, state: summary.state.rawValue,
                createdAt: summary.createdAt, updatedAt: summary.updatedAt, dryRun: summary.dryRun,
                taskCounts: Dictionary(uniqueKeysWithValues: summary.taskCounts.map { ($0.key.rawValue, $0.value) }))
        }
    }
}
