package import Foundation

/// Listing and filtering runs, and the fleet summary, on the SQLite journal: each a few statements
/// in one read, served by the `runs_listing` and `tasks_attention` indexes (schema 6; the latter's
/// condition since schema 7 in the words of `JournalSchema.attentionCondition`, which queries repeat).
extension Journal {
    package func fetchRunPage(_ filter: RunFilter, limit: Int, offset: Int, now: Date) async throws -> RunPage {
        try await perform { db in try Journal.runPage(db, filter, limit: limit, offset: offset, now: now) }
    }

    package func fetchFleet() async throws -> [FleetEntry] {
        try await perform { db in try Journal.fleet(db) }
    }

    /// Whether a run `r` is stalled, as ``RunRecord/isStalled(at:)`` says, in SQL; `now` is a parameter.
    static func stalledSQL(now: String) -> String {
        """
        (r.state = 'running' AND (r.lease_owner IS NULL OR r.lease_expires_at IS NULL OR r.lease_expires_at <= \(now)
            OR onboarding_owner_gone(r.lease_owner)))
        """
    }

    /// The filter's conditions as SQL over `runs r`; their values are appended to `arguments`
    /// (numbered after those already there).
    static func conditions(_ filter: RunFilter, now: Date, arguments: inout [SQLiteValue]) -> String {
        var clauses: [String] = []
        func bind(_ value: SQLiteValue) -> String {
            arguments.append(value)
            return "?\(arguments.count)"
        }
        if !filter.states.isEmpty {
            let states = filter.states.map(\.rawValue).sorted().map { bind(.text($0)) }
            clauses.append("r.state IN (\(states.joined(separator: ", ")))")
        }
        if let workflow = filter.workflow { clauses.append("r.workflow = \(bind(.text(workflow)))") }
        if let pattern = filter.searchPattern {
            let p = bind(.text(pattern))
            var terms = ["r.id LIKE \(p) ESCAPE '\\'"]
            for field in filter.validSearchFields {
                terms.append("json_extract(CAST(r.input AS TEXT), \(bind(.text("$.\"\(field)\"")))) LIKE \(p) ESCAPE '\\'")
            }
            clauses.append("(\(terms.joined(separator: " OR ")))")
        }
        if let task = filter.task {
            clauses.append(
                "r.id IN (SELECT run_id FROM tasks INDEXED BY tasks_attention WHERE task_id = \(bind(.text(task.rawValue))) AND \(JournalSchema.attentionCondition()))"
            )
        }
        if let code = filter.errorCode {
            clauses.append(
                "r.id IN (SELECT run_id FROM tasks INDEXED BY tasks_attention WHERE \(JournalSchema.attentionCondition()) AND json_extract(error, '$.code') = \(bind(.text(code))))"
            )
        }
        if let stalled = filter.stalled {
            let nowParameter = bind(.double(now.timeIntervalSince1970))
            clauses.append("\(stalledSQL(now: nowParameter)) = \(bind(.integer(stalled ? 1 : 0)))")
        }
        return clauses.isEmpty ? "1" : clauses.joined(separator: " AND ")
    }

    static func runPage(_ db: SQLiteConnection, _ filter: RunFilter, limit: Int, offset: Int, now: Date) throws -> RunPage {
        var counts: [RunState: Int] = [:]
        var countArguments: [SQLiteValue] = []
        let all = conditions(filter.ignoringStates, now: now, arguments: &countArguments)
        try db.query("SELECT r.state, count(*) FROM runs r INDEXED BY runs_listing WHERE \(all) GROUP BY r.state", countArguments) {
            row in
            counts[try decodeState(RunState.self, row.text(0), db)] = row.int(1)
        }
        let total =
            filter.states.isEmpty ? counts.values.reduce(0, +) : filter.states.reduce(0) { $0 + (counts[$1] ?? 0) }

        var arguments: [SQLiteValue] = [.double(now.timeIntervalSince1970)]
        let page = conditions(filter, now: now, arguments: &arguments)
        var listings: [RunListing] = []
        let sql = """
            SELECT r.id, r.workflow, r.state, r.created_at, r.updated_at, r.dry_run, r.input, r.input_crc, \(stalledSQL(now: "?1"))
            FROM runs r INDEXED BY runs_listing WHERE \(page)
            ORDER BY r.created_at DESC, r.id LIMIT \(limit) OFFSET \(offset)
            """
        try db.query(sql, arguments) { row in
            let id = RunID(row.text(0) ?? "")
            let summary = RunSummary(
                id: id, workflow: row.text(1) ?? "", state: try decodeState(RunState.self, row.text(2), db),
                createdAt: Date(timeIntervalSince1970: row.double(3) ?? 0),
                updatedAt: Date(timeIntervalSince1970: row.double(4) ?? 0), taskCounts: [:], dryRun: row.int(5) != 0)
            let input = try verified(row.blob(6), checksum: row.value(7).int, "input", run: id, db) ?? []
            listings.append(RunListing(summary: summary, input: input, stalled: row.int(8) != 0, attention: nil))
        }
        guard !listings.isEmpty else { return RunPage(runs: [], total: total, countsByState: counts) }

        // The page's tasks in one read: their counts, and the task each run stopped at.
        var positions: [String: Int] = [:]
        for (index, listing) in listings.enumerated() { positions[listing.id.rawValue] = index }
        let marks = (1...listings.count).map { "?\($0)" }.joined(separator: ", ")
        try db.query(
            "SELECT run_id, task_id, state, error, updated_at FROM tasks WHERE run_id IN (\(marks)) ORDER BY run_id, position",
            listings.map { .text($0.id.rawValue) }
        ) { row in
            guard let index = positions[row.text(0) ?? ""] else { return }
            let state = try decodeState(TaskState.self, row.text(2), db)
            listings[index].summary.taskCounts[state, default: 0] += 1
            if RunFilter.attentionStates.contains(state), listings[index].attention?.isOutranked(by: state) ?? true {
                listings[index].attention = RunListing.Attention(
                    task: TaskID(row.text(1) ?? ""), state: state,
                    error: try decodeOptional(
                        TaskErrorInfo.self, row.text(3), "last error of task '\(row.text(1) ?? "")'", run: RunID(row.text(0) ?? ""), db),
                    since: Date(timeIntervalSince1970: row.double(4) ?? 0))
            }
        }
        return RunPage(runs: listings, total: total, countsByState: counts)
    }

    static func fleet(_ db: SQLiteConnection) throws -> [FleetEntry] {
        var runsPerWorkflow: [String: Int] = [:]
        try db.query("SELECT workflow, count(*) FROM runs INDEXED BY runs_listing GROUP BY workflow") { row in
            runsPerWorkflow[row.text(0) ?? ""] = row.int(1)
        }
        var entries: [FleetEntry] = []
        let sql = """
            SELECT r.workflow, t.task_id, t.state, count(*), min(t.updated_at)
            FROM tasks t INDEXED BY tasks_attention JOIN runs r ON r.id = t.run_id
            WHERE \(JournalSchema.attentionCondition("t")) AND r.state IN ('running', 'waiting', 'blocked', 'failed')
            GROUP BY r.workflow, t.task_id, t.state ORDER BY r.workflow, t.task_id, t.state
            """
        try db.query(sql) { row in
            let workflow = row.text(0) ?? ""
            entries.append(
                FleetEntry(
                    workflow: workflow, task: TaskID(row.text(1) ?? ""),
                    state: try decodeState(TaskState.self, row.text(2), db), runs: row.int(3),
                    workflowRuns: runsPerWorkflow[workflow] ?? 0,
                    oldestSince: Date(timeIntervalSince1970: row.double(4) ?? 0)))
        }
        return entries
    }
}
