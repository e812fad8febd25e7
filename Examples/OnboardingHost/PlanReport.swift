import Foundation
import OnboardingEngine

/// `onboard plan --json`: what a new run (or `--run RUN`) would do, task by task, and the
/// permissions it needs (schema in `Docs/SupportTool.md`).
struct PlanReport: Codable, Equatable, Sendable {
    /// What a task's `observe` found.
    struct Observation: Codable, Equatable, Sendable {
        /// `satisfied`, `wouldChange`, `unknown`.
        var status: String
        var changes: [String]
        var note: String?
    }

    /// One task.
    struct Entry: Codable, Equatable, Sendable {
        var id: String
        /// Its state in the run (`pending` for a new run).
        var state: String
        /// False when it already succeeded or was skipped.
        var wouldRun: Bool
        /// `readOnly` or `mutating`.
        var effect: String
        var dependencies: [String]
        var requiredPermissions: [String]
        /// Absent for tasks that would not run.
        var observation: Observation?
    }

    var schemaVersion = 1
    /// Absent for a new run.
    var run: String?
    var workflow: String
    /// In topological order.
    var tasks: [Entry]
    /// What the tasks that would run need, sorted.
    var requiredPermissions: [String]

    init(_ plan: Plan) {
        run = plan.runID?.rawValue
        workflow = plan.workflow
        tasks = plan.entries.map { entry in
            Entry(
                id: entry.id.rawValue, state: entry.state.rawValue, wouldRun: entry.wouldRun,
                effect: entry.effect.rawValue, dependencies: entry.dependencies.map(\.rawValue),
                requiredPermissions: entry.requiredPermissions.map(\.name),
                observation: entry.observation.map {
                    Observation(status: $0.status.rawValue, changes: $0.changes, note: $0.note)
                })
        }
        requiredPermissions = plan.requiredPermissions.map(\.name).sorted()
    }
}
