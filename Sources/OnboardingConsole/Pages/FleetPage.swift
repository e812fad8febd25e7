import Foundation

/// The fleet page (`/fleet`): per workflow and task, how many unfinished runs wait, failed or are
/// blocked there and for how long — "12 of 40 runs wait at enable-outbound-connector, oldest 3 days" —
/// each line a link to the run list filtered to that workflow, task and state; and the links to the
/// summary's CSV and JSON exports.
struct FleetPage {
    let summary: FleetSummary

    var html: String {
        var out = "<h1>Fleet</h1>"
        out += """
            <p>Where unfinished runs stopped, per workflow and task, at \(PageLayout.time(summary.at)). Each line \
            opens the runs it counts. Export: <a href="/api/fleet.csv" id="fleet-csv" download>CSV</a> · \
            <a href="/api/fleet" id="fleet-json">JSON</a>.</p>
            """
        guard !summary.entries.isEmpty else {
            return out
                + "<p class=\"empty\" id=\"fleet-empty\">No unfinished run waits, failed or is blocked at a task.</p>"
        }
        var workflows: [String] = []
        for entry in summary.entries where !workflows.contains(entry.workflow) { workflows.append(entry.workflow) }
        for workflow in workflows {
            let entries = summary.entries.filter { $0.workflow == workflow }
            let total = entries.first?.workflowRuns ?? 0
            out += """
                <section class="fleet-workflow"><h2>\(HTML.escape(workflow)) <span class="muted">(\(total) \
                run\(total == 1 ? "" : "s") in the journal)</span></h2><table class="fleet"><thead><tr><th>Where</th>\
                <th>Task</th><th>State</th><th>Runs</th><th>Oldest since</th></tr></thead><tbody>
                """
            for entry in entries {
                out += """
                    <tr class="fleet-entry state-\(HTML.escape(entry.state))" data-task="\(HTML.escape(entry.task))">\
                    <td><a href="\(HTML.escape(Self.runsLink(entry)))">\(HTML.escape(Self.sentence(entry)))</a>, \
                    oldest \(HTML.escape(Self.age(seconds: entry.oldestAgeSeconds)))</td>\
                    <td>\(HTML.escape(entry.task))</td><td><span class="state \(HTML.escape(entry.state))">\
                    \(HTML.escape(entry.state))</span></td><td>\(entry.runs)</td>\
                    <td>\(PageLayout.time(entry.oldestSince))</td></tr>
                    """
            }
            out += "</tbody></table></section>"
        }
        return out
    }

    /// The run list of the runs an entry counts: its workflow, stopped at its task, in the run state of
    /// the same name (a run whose task failed is failed, one whose task waits is waiting, …).
    static func runsLink(_ entry: FleetSummary.Entry) -> String {
        "/runs?" + HTML.query([("workflow", entry.workflow), ("task", entry.task), ("state", entry.state)])
    }

    /// "12 of 40 runs wait at enable-outbound-connector", "1 of 3 runs failed at import-domains".
    static func sentence(_ entry: FleetSummary.Entry) -> String {
        let one = entry.runs == 1
        let verb =
            switch entry.state {
            case "waiting": one ? "waits at" : "wait at"
            case "failed": "failed at"
            case "blocked": one ? "is blocked at" : "are blocked at"
            default: one ? "is \(entry.state) at" : "are \(entry.state) at"
            }
        return "\(entry.runs) of \(entry.workflowRuns) run\(entry.workflowRuns == 1 ? "" : "s") \(verb) \(entry.task)"
    }

    /// An age in words, in its largest whole unit: "under a minute", "5 minutes", "3 hours", "1 day".
    static func age(seconds: Int) -> String {
        func count(_ number: Int, _ unit: String) -> String { "\(number) \(unit)\(number == 1 ? "" : "s")" }
        switch seconds {
        case ..<60: return "under a minute"
        case ..<3_600: return count(seconds / 60, "minute")
        case ..<86_400: return count(seconds / 3_600, "hour")
        default: return count(seconds / 86_400, "day")
        }
    }
}
