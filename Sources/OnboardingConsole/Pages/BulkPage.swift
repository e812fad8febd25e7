import Foundation
import OnboardingEngine

/// The bulk page (`/bulk`): the run list's filters, an action and a reason as a GET form; its
/// preview — every matched run and what the action would do to it, nothing written — and, for an
/// operator, the form that applies it (`POST /bulk/apply`, with the CSRF token). After an apply,
/// ``result(_:)`` draws what happened to each run (`/bulk/result`).
struct BulkPage {
    /// An applied bulk action, kept for its session so `/bulk/result` can show it (again).
    struct Applied: Sendable {
        /// The form's fields as applied (filters, action, target, reason, output).
        var fields: [String: String]
        var report: BulkReport
        /// How many runs the preview showed, when the apply came from one.
        var previewed: Int?
        var actor: String
        var at: Date
    }

    /// The form's own fields besides the filter's: the action, the task to act on, the reason and a skip's output.
    static let actionKeys = ["action", "target", "reason", "output"]

    /// The action names, in the order the form offers them, with what each does.
    static let actions: [(name: String, label: String)] = [
        ("retry", "Retry a task (a fresh attempt budget)"),
        ("retry-from", "Retry from a task (it and every task after it)"),
        ("skip", "Skip a task (with its output, when needed)"),
        ("confirm", "Confirm what a task waits for a person to do"),
        ("signal", "Ask a waiting or blocked task to check again"),
        ("cancel", "Cancel the run"),
    ]

    /// The form's fields as sent (a filter's `state` may hold several, comma-separated).
    let fields: [String: String]
    let user: ConsoleUser
    let csrfToken: String
    /// How many runs the filters select, when there is no preview.
    var matching: Int?
    /// The preview, when asked for.
    var preview: BulkReport?
    /// What stopped the preview, in words.
    var problem: String?

    /// The bulk form's fields of a query: the filter's keys (a repeated `state` joined with commas)
    /// and the action's.
    static func fields(query: [(String, String)]) -> [String: String] {
        var fields: [String: String] = [:]
        for key in RunFilter.keys + actionKeys {
            let values = query.filter { $0.0 == key }.map(\.1).filter { !$0.isEmpty }
            guard !values.isEmpty else { continue }
            fields[key] = key == "state" ? values.joined(separator: ",") : values.last
        }
        return fields
    }

    func value(_ key: String) -> String { fields[key] ?? "" }

    /// The filter's fields as query pairs, in the filter's order.
    static func filterPairs(_ fields: [String: String]) -> [(String, String)] {
        RunFilter.keys.compactMap { key in fields[key].flatMap { $0.nilIfEmpty }.map { (key, $0) } }
    }

    /// The run list with the same filters.
    static func runsLink(_ fields: [String: String]) -> String {
        let pairs = filterPairs(fields)
        return "/runs" + (pairs.isEmpty ? "" : "?" + HTML.query(pairs))
    }

    var html: String {
        var out = "<p class=\"crumbs\"><a href=\"\(HTML.escape(Self.runsLink(fields)))\">Runs</a> › Bulk actions</p>"
        out += "<h1>Act on many runs</h1>"
        out += """
            <p>Choose runs with the run list's filters and an action; <em>Preview</em> shows what it would do to each \
            run and writes nothing. Applying it records one action per run, with your name and reason, in each \
            run's timeline.</p>
            """
        out += form
        if let problem { out += "<p class=\"problem\" id=\"bulk-problem\">\(HTML.escape(problem))</p>" }
        if let preview {
            out += previewSection(preview)
        } else if let matching {
            out += "<p class=\"total\" id=\"total\">\(Self.runs(matching)) match these filters.</p>"
        }
        return out
    }

    var form: String {
        let chosen = value("action").nilIfEmpty ?? "retry"
        var options = ""
        for action in Self.actions {
            options += """
                <option value="\(action.name)"\(chosen == action.name ? " selected" : "")>\(HTML.escape(action.label))</option>
                """
        }
        return """
            <form class="filters bulk" method="get" action="/bulk" id="bulk-form">\(RunListPage.filterInputs(value))\
            <label>Action <select name="action" id="bulk-action">\(options)</select></label>\
            <label>Task to act on <input type="text" name="target" id="bulk-target" value="\(HTML.escape(value("target")))" \
            placeholder="the stopped-at task"></label>\
            <label>Reason <input type="text" name="reason" id="bulk-reason" value="\(HTML.escape(value("reason")))" \
            maxlength="2000" placeholder="recorded with your name"></label>\
            <label>Output for a skip (JSON, optional) <textarea name="output" id="bulk-output" rows="1">\
            \(HTML.escape(value("output")))</textarea></label>\
            <button type="submit" name="preview" value="1" id="bulk-preview">Preview</button></form>
            <p class="muted">Task to act on: left empty, the filter's stopped-at task, else each run's own stopped-at \
            task (its first failed, waiting or blocked task).</p>
            """
    }

    func previewSection(_ report: BulkReport) -> String {
        let applies = report.outcomes["would-apply"] ?? 0
        let refuses = report.outcomes["would-refuse"] ?? 0
        var out = "<section id=\"bulk-preview-result\"><h2>Preview: nothing was written</h2>"
        out += "<p class=\"total\" id=\"total\">\(Self.runs(report.matched)) match"
        if report.matched > 0 {
            out += "; the action would apply to \(applies) and not to \(refuses)"
        }
        out += ".</p>"
        if Self.filterPairs(fields).isEmpty && report.matched > 0 {
            out += "<p class=\"problem\">No filter is set: these are all the journal's runs.</p>"
        }
        out += Self.table(report, outcomeHeader: "Would")
        if applies > 0 {
            out +=
                user.role.mayAct
                ? applyForm(report)
                : """
                <p class="muted" id="bulk-read-only">Your role may look but not act: ask an operator to apply it.</p>
                """
        }
        return out + "</section>"
    }

    func applyForm(_ report: BulkReport) -> String {
        var hidden = PageLayout.csrfField(csrfToken)
        for key in RunFilter.keys + Self.actionKeys {
            guard let value = fields[key], !value.isEmpty else { continue }
            hidden += "<input type=\"hidden\" name=\"\(key)\" value=\"\(HTML.escape(value))\">"
        }
        hidden += "<input type=\"hidden\" name=\"previewed\" value=\"\(report.matched)\">"
        let applies = report.outcomes["would-apply"] ?? 0
        return """
            <form class="action bulk-apply" method="post" action="/bulk/apply" id="bulk-apply-form">\(hidden)\
            <p>Apply it to the runs the filters select when you press the button (the preview showed \
            \(Self.runs(report.matched)); the action applies to \(applies)). A run it does not apply to is left as it is.</p>\
            <button type="submit" id="bulk-apply">Apply to \(Self.runs(applies))</button></form>
            """
    }

    /// The page after an apply: who applied what, and each run's result in words.
    static func result(_ applied: Applied) -> String {
        let report = applied.report
        let done = report.outcomes["applied"] ?? 0
        let refused = report.outcomes["refused"] ?? 0
        let failed = report.outcomes["failed"] ?? 0
        var out = "<p class=\"crumbs\"><a href=\"\(HTML.escape(runsLink(applied.fields)))\">Runs</a> › "
        out += "<a href=\"/bulk\">Bulk actions</a> › Result</p><h1>Bulk action applied</h1>"
        out += """
            <p class="total" id="total"><strong>\(HTML.escape(applied.actor))</strong> applied \
            <strong>\(HTML.escape(report.action))</strong> at \(PageLayout.time(applied.at)) to the \(runs(report.matched)) \
            the filters selected: \(done) applied, \(refused) not applicable, \(failed) \(failed == 1 ? "error" : "errors").</p>
            """
        if let reason = applied.fields["reason"] {
            out += "<p>Reason: <span id=\"bulk-reason-applied\">\(HTML.escape(reason))</span></p>"
        }
        if let previewed = applied.previewed, previewed != report.matched {
            out += """
                <p class="problem" id="bulk-changed">The preview showed \(runs(previewed)); \(report.matched) matched \
                when it was applied (runs changed in between).</p>
                """
        }
        out += table(report, outcomeHeader: "Result")
        var pairs = filterPairs(applied.fields)
        for key in actionKeys { if let value = applied.fields[key], !value.isEmpty { pairs.append((key, value)) } }
        out += """
            <p><a href="\(HTML.escape(runsLink(applied.fields)))" id="bulk-back-to-runs">Back to these runs</a> · \
            <a href="\(HTML.escape("/bulk?" + HTML.query(pairs)))">Act on these runs again</a></p>
            """
        return out
    }

    /// One row per run: the run (a link to its page), its labels, the task, the outcome in words and the sentence.
    static func table(_ report: BulkReport, outcomeHeader: String) -> String {
        guard !report.items.isEmpty else { return "<p class=\"empty\">No run matches these filters.</p>" }
        var out = """
            <table class="runs bulk" id="bulk-runs"><thead><tr><th>Run</th><th>Tenant</th><th>Task</th>\
            <th>\(HTML.escape(outcomeHeader))</th><th>What</th></tr></thead><tbody>
            """
        for item in report.items {
            let labels = (item.labels ?? [:]).sorted { $0.key < $1.key }.map { HTML.escape($0.value) }.joined(
                separator: "<br>")
            out += """
                <tr class="bulk-item outcome-\(HTML.escape(item.outcome))" data-run="\(HTML.escape(item.run))">\
                <td><a class="run-link" href="/runs/\(HTML.pathSegment(item.run))">\(HTML.escape(item.run))</a></td>\
                <td>\(labels)</td><td>\(HTML.escape(item.task ?? ""))</td>\
                <td><span class="outcome \(HTML.escape(item.outcome))">\(HTML.escape(words(item.outcome)))</span></td>\
                <td>\(HTML.escape(item.message))</td></tr>
                """
        }
        return out + "</tbody></table>"
    }

    /// An outcome as people say it.
    static func words(_ outcome: String) -> String {
        switch outcome {
        case "would-apply": "would apply"
        case "would-refuse": "would not apply"
        case "applied": "applied"
        case "refused": "not applicable"
        case "failed": "error"
        default: outcome
        }
    }

    /// "1 run", "40 runs".
    static func runs(_ count: Int) -> String { "\(count) run\(count == 1 ? "" : "s")" }
}
