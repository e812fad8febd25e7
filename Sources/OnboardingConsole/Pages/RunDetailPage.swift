import Foundation
import OnboardingEngine

/// A run's page: its state and labels, the consent link while consent is pending, the last error
/// in words, the task graph (SVG), the next steps with their commands, the task table, the
/// timeline, and — for an operator — the action forms. The live part sits in `#live`, which the
/// page's script replaces when the run's event stream says something happened.
struct RunDetailPage {
    let detail: RunDetail
    /// The graph's tasks with their dependencies, in the graph's order.
    let graph: [TaskDescriptor]
    let consentLink: String?
    let user: ConsoleUser
    let csrfToken: String

    var html: String {
        var out = "<p class=\"crumbs\"><a href=\"/runs\">Runs</a> › \(HTML.escape(detail.id))</p>"
        out += "<h1>Run <span class=\"run-id\">\(HTML.escape(detail.id))</span></h1>"
        out += "<section id=\"live\" data-updated=\"\(detail.timeline.last?.sequence ?? 0)\">"
        out += summary + consent + lastError + graphSection + nextSteps + taskTable
        out += "</section>"
        if user.role.mayAct && detail.state != "cancelled" { out += actions }
        out += timeline
        return out
    }

    var summary: String {
        var rows = [
            (
                "State",
                "<span class=\"state \(HTML.escape(detail.state))\" id=\"run-state\">\(HTML.escape(detail.state))</span>"
                    + (detail.stalled ? " <span class=\"badge\">stalled</span>" : "")
                    + (detail.cancelRequested ? " <span class=\"badge\">cancel requested</span>" : "")
            ),
            ("Workflow", HTML.escape(detail.workflow)),
        ]
        for (key, value) in (detail.labels ?? [:]).sorted(by: { $0.key < $1.key }) {
            rows.append((key.prefix(1).uppercased() + key.dropFirst(), HTML.escape(value)))
        }
        rows.append(("Created", PageLayout.time(detail.createdAt)))
        rows.append(("Updated", PageLayout.time(detail.updatedAt)))
        if let servedBy = detail.servedBy { rows.append(("Worker", HTML.escape(servedBy))) }
        return "<dl class=\"summary\">" + rows.map { "<dt>\(HTML.escape($0.0))</dt><dd>\($0.1)</dd>" }.joined()
            + "</dl>"
    }

    var consent: String {
        guard let consentLink, let url = URL(string: consentLink), url.scheme == "https" || url.scheme == "http" else {
            return ""
        }
        return """
            <p class="consent" id="consent">Waiting for a Global Admin's consent: \
            <a href="\(HTML.escape(consentLink))" rel="noreferrer noopener" target="_blank">open the consent link</a> \
            (send it to the tenant's admin).</p>
            """
    }

    var lastError: String {
        guard let error = detail.lastError else { return "" }
        var text =
            "<strong>\(HTML.escape(error.task))</strong> stopped at \(PageLayout.time(error.at)): \(HTML.escape(error.message))"
        if let code = error.code { text += " <span class=\"muted\">(code <code>\(HTML.escape(code))</code>)</span>" }
        text += error.retryable ? " The engine tries it again by itself." : ""
        return "<section class=\"last-error\" id=\"last-error\"><h2>Last error</h2><p>\(text)</p></section>"
    }

    var graphSection: String {
        let states = Dictionary(detail.tasks.map { ($0.id, $0.state) }, uniquingKeysWith: { first, _ in first })
        var nodes = graph.map {
            TaskGraphDrawing.Node(
                id: $0.id.rawValue, dependencies: $0.dependencies.map(\.rawValue),
                state: states[$0.id.rawValue] ?? "pending")
        }
        if nodes.isEmpty {  // no stored graph: draw the tasks without edges
            nodes = detail.tasks.map { TaskGraphDrawing.Node(id: $0.id, dependencies: [], state: $0.state) }
        }
        return
            "<section class=\"graph\" id=\"graph\"><h2>Tasks</h2><div class=\"graph-scroll\">\(TaskGraphDrawing(nodes: nodes).svg)</div></section>"
    }

    var nextSteps: String {
        guard !detail.nextSteps.isEmpty else { return "" }
        var out = "<section id=\"next-steps\"><h2>Next steps</h2><ol class=\"steps\">"
        for step in detail.nextSteps {
            out += "<li>"
            if let task = step.task { out += "<strong>\(HTML.escape(task))</strong>: " }
            out += HTML.escape(step.instruction)
            if let command = step.command { out += "<pre class=\"command\"><code>\(HTML.escape(command))</code></pre>" }
            out += "</li>"
        }
        return out + "</ol></section>"
    }

    var taskTable: String {
        var out = """
            <table class="tasks" id="tasks"><thead><tr><th>Task</th><th>State</th><th>Attempts</th><th>Last error or reason</th>\
            <th>Next attempt</th><th>Updated</th></tr></thead><tbody>
            """
        for task in detail.tasks {
            var why = ""
            if let park = task.park {
                why = HTML.escape(park.message)
                if !park.missingPermissions.isEmpty {
                    why +=
                        " <span class=\"muted\">Missing: \(HTML.escape(park.missingPermissions.joined(separator: ", ")))</span>"
                }
            } else if let error = task.lastError {
                why = (error.code.map { "<code>\(HTML.escape($0))</code> " } ?? "") + HTML.escape(error.message)
            }
            if let confirmation = task.confirmation {
                why +=
                    " <span class=\"muted\">Confirmed by \(HTML.escape(confirmation.actor))\(confirmation.note.map { ": " + HTML.escape($0) } ?? "")</span>"
            }
            out += """
                <tr class="task state-\(HTML.escape(task.state))" data-task="\(HTML.escape(task.id))"><td>\(HTML.escape(task.id))</td>\
                <td><span class="state \(HTML.escape(task.state))">\(HTML.escape(task.state))</span></td><td>\(task.attempts)</td>\
                <td>\(why)</td><td>\(task.nextAttemptAt.map(PageLayout.time) ?? "")</td><td>\(PageLayout.time(task.updatedAt))</td></tr>
                """
        }
        return out + "</tbody></table>"
    }

    /// The task an action form selects first: the run's stopped-at task (its first failed, waiting
    /// or blocked one), else its first task.
    var defaultTask: String? {
        detail.tasks.first { ["failed", "waiting", "blocked"].contains($0.state) }?.id ?? detail.tasks.first?.id
    }

    func taskSelect(_ form: String) -> String {
        var out = "<label>Task <select name=\"task\" id=\"\(form)-task\">"
        for task in detail.tasks {
            out +=
                "<option value=\"\(HTML.escape(task.id))\"\(task.id == defaultTask ? " selected" : "")>\(HTML.escape(task.id)) (\(HTML.escape(task.state)))</option>"
        }
        return out + "</select></label>"
    }

    func form(
        _ action: String, title: String, explanation: String, extra: String = "", reasonLabel: String = "Reason",
        task: Bool = true
    ) -> String {
        """
        <form class="action" id="action-\(action)" method="post" action="/runs/\(HTML.pathSegment(detail.id))/actions">\
        \(PageLayout.csrfField(csrfToken))<input type="hidden" name="action" value="\(action)">\
        <h3>\(HTML.escape(title))</h3><p class="muted">\(HTML.escape(explanation))</p>\
        \(task ? taskSelect(action) : "")\
        <label>\(reasonLabel) <input type="text" name="reason" id="\(action)-reason" required maxlength="2000" \
        placeholder="recorded with your name"></label>\(extra)\
        <button type="submit" id="\(action)-submit">\(HTML.escape(title))</button></form>
        """
    }

    var actions: String {
        var out =
            "<section class=\"actions\" id=\"actions\"><h2>Act on this run</h2><p>Every action is recorded in the timeline with your name and reason.</p><div class=\"action-grid\">"
        out += form(
            "retry", title: "Retry",
            explanation: "A fresh attempt budget for a failed, blocked, waiting or pending task.")
        out += form(
            "retry-from", title: "Retry from",
            explanation: "Run the task and every task after it again, even what succeeded.")
        out += form(
            "skip", title: "Skip",
            explanation: "Mark the task skipped (made by hand). Give its output as JSON when a later task needs it.",
            extra:
                "<label>Output (JSON, optional) <textarea name=\"output\" id=\"skip-output\" rows=\"2\"></textarea></label>"
        )
        out += form(
            "confirm", title: "Confirm", explanation: "Confirm what the task waits for a person to do.",
            reasonLabel: "Note")
        out += form(
            "signal", title: "Check again",
            explanation: "Ask a task waiting for a condition, or blocked on permissions, to check now.")
        if detail.state != "succeeded" {
            out += form("cancel", title: "Cancel run", explanation: "Stop the run for good.", task: false)
        }
        return out + "</div></section>"
    }

    var timeline: String {
        var out = """
            <section id="timeline"><h2>Timeline</h2><table class="timeline"><thead><tr><th>#</th><th>When</th><th>Who</th>\
            <th>What</th><th>Task</th><th>Detail</th></tr></thead><tbody>
            """
        for event in detail.timeline.reversed() {
            out += """
                <tr><td>\(event.sequence)</td><td>\(PageLayout.time(event.at))</td><td>\(HTML.escape(event.actor))</td>\
                <td>\(HTML.escape(event.action))</td><td>\(HTML.escape(event.task ?? ""))</td><td>\(HTML.escape(event.reason ?? ""))</td></tr>
                """
        }
        return out + "</tbody></table></section>"
    }
}
