import Foundation
import OnboardingEngine

/// The run list: the filters as a GET form, counts by state (each a link that keeps the other
/// filters), one page of runs newest first with a link to each run's page, and paging links.
struct RunListPage {
    /// The query's filter fields as sent (`state` may hold several, comma-separated).
    let query: [(String, String)]
    let list: RunListResponse

    static let states = ["running", "waiting", "blocked", "failed", "succeeded", "cancelled"]

    func value(_ key: String) -> String {
        query.filter { $0.0 == key }.map(\.1).filter { !$0.isEmpty }.joined(separator: ",")
    }

    /// The query without `offset`, with `key` set to `value` (or removed when `nil`).
    func link(setting key: String, to value: String?, offset: Int? = nil) -> String {
        var pairs = query.filter { $0.0 != key && $0.0 != "offset" && !$0.1.isEmpty }
        if let value { pairs.append((key, value)) }
        if let offset, offset > 0 { pairs.append(("offset", String(offset))) }
        let text = HTML.query(pairs)
        return "/runs" + (text.isEmpty ? "" : "?" + text)
    }

    var html: String {
        var out = "<h1>Runs</h1>"
        out += filterForm
        out += counts
        out += "<p class=\"total\" id=\"total\">\(list.total) run\(list.total == 1 ? "" : "s") match"
        if list.total > 0 {
            out += "; showing \(list.offset + 1)–\(list.offset + list.runs.count), newest first"
        }
        out += ". <a class=\"bulk-link\" id=\"act-on-runs\" href=\"\(HTML.escape(bulkLink))\">Act on these runs</a></p>"
        out += table
        out += paging
        return out
    }

    var filterForm: String {
        """
        <form class="filters" method="get" action="/runs" id="filters">\(Self.filterInputs(value))\
        <button type="submit" id="apply-filters">Filter</button> <a href="/runs">Clear</a></form>
        """
    }

    /// The filter's fields — state, workflow, search, stopped-at task, error code, stalled — each
    /// filled with `value(key)` (the bulk page asks for the same).
    static func filterInputs(_ value: (String) -> String) -> String {
        let state = value("state")
        var options = "<option value=\"\"\(state.isEmpty ? " selected" : "")>any</option>"
        for name in Self.states {
            options += "<option value=\"\(name)\"\(state == name ? " selected" : "")>\(name)</option>"
        }
        if !state.isEmpty && !Self.states.contains(state) {
            options += "<option value=\"\(HTML.escape(state))\" selected>\(HTML.escape(state))</option>"
        }
        let stalled = value("stalled")
        func text(_ key: String, _ label: String, _ hint: String) -> String {
            """
            <label>\(label) <input type="search" name="\(key)" value="\(HTML.escape(value(key)))" placeholder="\(hint)"></label>
            """
        }
        return """
            <label>State <select name="state" id="filter-state">\(options)</select></label>\
            \(text("workflow", "Workflow", "any"))\(text("search", "Tenant, org or run", "contoso"))\
            \(text("task", "Stopped at task", "import-domains"))\(text("code", "Error code", "AADSTS65001"))\
            <label>Stalled <select name="stalled"><option value=""\(stalled.isEmpty ? " selected" : "")>either</option>\
            <option value="true"\(stalled == "true" ? " selected" : "")>yes</option>\
            <option value="false"\(stalled == "false" ? " selected" : "")>no</option></select></label>
            """
    }

    /// The bulk page for the runs these filters select (paging left out: a bulk action takes them all).
    var bulkLink: String {
        let pairs = RunFilter.keys.compactMap { key in value(key).nilIfEmpty.map { (key, $0) } }
        return "/bulk" + (pairs.isEmpty ? "" : "?" + HTML.query(pairs))
    }

    var counts: String {
        var out = "<ul class=\"counts\" id=\"counts\">"
        let all = list.countsByState.values.reduce(0, +)
        out +=
            "<li><a href=\"\(HTML.escape(link(setting: "state", to: nil)))\">all <span class=\"count\">\(all)</span></a></li>"
        for name in Self.states {
            let count = list.countsByState[name] ?? 0
            out += """
                <li class="state-\(name)"><a href="\(HTML.escape(link(setting: "state", to: name)))" data-state="\(name)">\
                \(name) <span class="count">\(count)</span></a></li>
                """
        }
        return out + "</ul>"
    }

    var table: String {
        guard !list.runs.isEmpty else { return "<p class=\"empty\">No run matches these filters.</p>" }
        var out = """
            <table class="runs" id="runs"><thead><tr><th>Run</th><th>State</th><th>Tenant</th><th>Workflow</th>\
            <th>Stopped at</th><th>Error</th><th>Created</th><th>Updated</th></tr></thead><tbody>
            """
        for run in list.runs {
            let labels = (run.labels ?? [:]).sorted { $0.key < $1.key }.map { "\(HTML.escape($0.value))" }.joined(
                separator: "<br>")
            var stopped = ""
            var error = ""
            if let at = run.stoppedAt {
                stopped = "\(HTML.escape(at.task)) <span class=\"muted\">(\(HTML.escape(at.state)))</span>"
                if let code = at.errorCode { error += "<code>\(HTML.escape(code))</code> " }
                if let message = at.errorMessage {
                    let short = message.count > 140 ? String(message.prefix(139)) + "…" : message
                    error += HTML.escape(short)
                }
            }
            let state = HTML.escape(run.state) + (run.stalled ? " <span class=\"badge\">stalled</span>" : "")
            out += """
                <tr class="run state-\(HTML.escape(run.state))" data-run="\(HTML.escape(run.id))">\
                <td><a class="run-link" href="/runs/\(HTML.pathSegment(run.id))">\(HTML.escape(run.id))</a></td>\
                <td><span class="state \(HTML.escape(run.state))">\(state)</span></td><td>\(labels)</td>\
                <td>\(HTML.escape(run.workflow))</td><td>\(stopped)</td><td>\(error)</td>\
                <td>\(PageLayout.time(run.createdAt))</td><td>\(PageLayout.time(run.updatedAt))</td></tr>
                """
        }
        return out + "</tbody></table>"
    }

    var paging: String {
        var links: [String] = []
        if list.offset > 0 {
            let previous = max(0, list.offset - list.limit)
            links.append(
                "<a rel=\"prev\" href=\"\(HTML.escape(link(setting: "state", to: value("state").nilIfEmpty, offset: previous)))\">← Newer</a>"
            )
        }
        if let next = list.nextOffset {
            links.append(
                "<a rel=\"next\" href=\"\(HTML.escape(link(setting: "state", to: value("state").nilIfEmpty, offset: next)))\">Older →</a>"
            )
        }
        return links.isEmpty ? "" : "<nav class=\"paging\">\(links.joined(separator: " "))</nav>"
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
