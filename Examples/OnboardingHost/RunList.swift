import Foundation
import OnboardingConsole
import OnboardingEngine

/// `onboard runs --json`: the runs in a journal, newest first (schema in `Docs/SupportTool.md`); each
/// run as the console's `GET /api/runs` gives it (``RunListItem``).
struct RunList: Codable, Equatable, Sendable {
    /// Bumped only for incompatible changes; new fields may be added within a version.
    var schemaVersion = 1
    var runs: [RunListItem]

    init(_ listings: [RunListing], host: HostConsole) {
        runs = listings.map { RunListItem($0, labels: host.labels(workflow: $0.summary.workflow, input: $0.input)) }
    }

    /// The runs as an aligned table with a header: id, state, workflow, tenant, org, the task each
    /// stopped at (failed, waiting or blocked) and its error code, and the task counts.
    var table: String {
        let header = ["RUN", "STATE", "WORKFLOW", "TENANT", "ORG", "STOPPED AT", "ERROR", "TASKS"]
        let rows = runs.map { run -> [String] in
            let counts = run.taskCounts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            let state = run.stalled ? "\(run.state) (stalled)" : run.state
            let stopped = run.stoppedAt.map { "\($0.task) (\($0.state))" }
            return [
                run.id, state, run.workflow, run.labels?["tenant"] ?? "-", run.labels?["org"] ?? "-", stopped ?? "-",
                run.stoppedAt?.errorCode ?? "-", counts,
            ]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        return ([header] + rows).map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
