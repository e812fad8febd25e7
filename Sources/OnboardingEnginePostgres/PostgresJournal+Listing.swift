import Foundation
import OnboardingEngine
import PostgresNIO

/// Listing and filtering runs, and the fleet summary, on PostgreSQL: the same answers as the SQLite
/// journal's, each a few statements on one connection, served by `runs_listing` and `tasks_attention`
/// (schema 3). Whether a lease expired is decided by the database's clock.
extension PostgresJournal {
    /// Whether a run `r` is stalled: marked running, and no lease that the database's clock says is live.
    static let stalledSQL = """
        (r.state = 'running' AND (r.lease_owner IS NULL OR r.lease_expires_at IS NULL
            OR r.lease_expires_at <= extract(epoch FROM clock_timestamp())))
        """

    /// The filter's conditions as SQL over `runs r`, their values appended to `bindings`.
    static func conditions(_ filter: RunFilter, bindings: inout PostgresBindings, count: inout Int) -> String {
        var clauses: [String] = []
        func bind(_ value: String) -> String {
            bindings.append(value)
            count += 1
            return "$\(count)"
        }
        if !filter.states.isEmpty {
            let states = filter.states.map(\.rawValue).sorted().map { bind($0) }
            clauses.append("r.state IN (\(states.joined(separator: ", ")))")
        }
        if let workflow = filter.workflow { clauses.append("r.workflow = \(bind(workflow))") }
        if let pattern = filter.searchPattern {
            let p = bind(pattern)
            var terms = ["r.id ILIKE \(p)"]
            for field in filter.validSearchFields {
                terms.append("(convert_from(r.input, 'UTF8')::jsonb ->> \(bind(field))) ILIKE \(p)")
            }
            clauses.append("(\(terms.joined(separator: " OR ")))")
        }
        if let task = filter.task {
            clauses.append(
                "r.id IN (SELECT run_id FROM tasks WHERE task_id = \(bind(task.rawValue)) AND state IN ('failed', 'waiting', 'blocked'))"
            )
        }
        if let code = filter.errorCode {
            clauses.append(
                "r.id IN (SELECT run_id FROM tasks WHERE state IN ('failed', 'waiting', 'blocked') AND (error::jsonb ->> 'code') = \(bind(code)))"
            )
        }
        if let stalled = filter.stalled { clauses.append(stalled ? stalledSQL : "NOT \(stalledSQL)") }
        return clauses.isEmpty ? "true" : clauses.joined(separator: " AND ")
    }

    package func fetchRunPage(_ filter: RunFilter, limit: Int, offset: Int, now: Date) async throws -> RunPage {
        try await read { [self] connection in
            var counts: [RunState: Int] = [:]
            var countBindings = PostgresBindings()
            var countNumber = 0
            let all = Self.conditions(filter.ignoringStates, bindings: &countBindings, count: &countNumber)
            for try await (state, count) in try await connection.query(
                PostgresQuery(
                    unsafeSQL: "SELECT r.state, count(*)::bigint FROM runs r WHERE \(all) GROUP BY r.state",
                    binds: countBindings),
                logger: logger
            ).decode((String, Int).self) {
                guard let runState = RunState(rawValue: state) else { throw corrupt("state", run: RunID("?")) }
                counts[runState] = count
            }
            let total =
                filter.states.isEmpty ? counts.values.reduce(0, +) : filter.states.reduce(0) { $0 + (counts[$1] ?? 0) }

            var bindings = PostgresBindings()
            var number = 0
            let page = Self.conditions(filter, bindings: &bindings, count: &number)
            var listings: [RunListing] = []
            let sql = """
                SELECT r.id, r.workflow, r.state, r.created_at, r.updated_at, r.dry_run, r.input, r.input_crc, \(Self.stalledSQL)
                FROM runs r WHERE \(page) ORDER BY r.created_at DESC, r.id LIMIT \(limit) OFFSET \(offset)
                """
            for try await (id, workflow, state, createdAt, updatedAt, dryRun, input, inputCRC, stalled) in try await connection
                .query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
                .decode((String, String, String, Double, Double, Bool, Data, Int64, Bool).self)
            {
                let bytes = Array(input)
                guard Int64(CRC32C.checksum(bytes)) == inputCRC else { throw corrupt("input", run: RunID(id)) }
                guard let runState = RunState(rawValue: state) else { throw corrupt("state", run: RunID(id)) }
                listings.append(
                    RunListing(
                        summary: RunSummary(
                            id: RunID(id), workflow: workflow, state: runState,
                            createdAt: Date(timeIntervalSince1970: createdAt),
                            updatedAt: Date(timeIntervalSince1970: updatedAt), taskCounts: [:], dryRun: dryRun),
                        input: bytes, stalled: stalled, attention: nil))
            }
            guard !listings.isEmpty else { return RunPage(runs: [], total: total, countsByState: counts) }

            // The page's tasks in one read: their counts, and the first task each run stopped at.
            var positions: [String: Int] = [:]
            for (index, listing) in listings.enumerated() { positions[listing.id.rawValue] = index }
            let ids = listings.map(\.id.rawValue)
            for try await (run, task, state, error, updatedAt) in try await connection.query(
                """
                SELECT run_id, task_id, state, error, updated_at FROM tasks WHERE run_id = ANY(\(ids))
                ORDER BY run_id, position
                """, logger: logger
            ).decode((String, String, String, String?, Double).self) {
                guard let index = positions[run] else { continue }
                guard let taskState = TaskState(rawValue: state) else { throw corrupt("state", run: RunID(run)) }
                listings[index].summary.taskCounts[taskState, default: 0] += 1
                if RunFilter.attentionStates.contains(taskState),
                    listings[index].attention?.isOutranked(by: taskState) ?? true
                {
                    listings[index].attention = RunListing.Attention(
                        task: TaskID(task), state: taskState,
                        error: try error.map { try decode(TaskErrorInfo.self, $0, "error of task '\(task)'", run: RunID(run)) },
                        since: Date(timeIntervalSince1970: updatedAt))
                }
            }
            return RunPage(runs: listings, total: total, countsByState: counts)
        }
    }

    package func fetchFleet() async throws -> [FleetEntry] {
        try await read { [self] connection in
            var runsPerWorkflow: [String: Int] = [:]
            for try await (workflow, count) in try await connection.query(
                "SELECT workflow, count(*)::bigint FROM runs GROUP BY workflow", logger: logger
            ).decode((String, Int).self) { runsPerWorkflow[workflow] = count }
            var entries: [FleetEntry] = []
            for try await (workflow, task, state, count, oldest) in try await connection.query(
                """
                SELECT r.workflow, t.task_id, t.state, count(*)::bigint, min(t.updated_at)
                FROM tasks t JOIN runs r ON r.id = t.run_id
                WHERE t.state IN ('failed', 'waiting', 'blocked') AND r.state IN ('running', 'waiting', 'blocked', 'failed')
                GROUP BY r.workflow, t.task_id, t.state ORDER BY r.workflow, t.task_id, t.state
                """, logger: logger
            ).decode((String, String, String, Int, Double).self) {
                guard let taskState = TaskState(rawValue: state) else { throw corrupt("state", run: RunID("?")) }
                entries.append(
                    FleetEntry(
                        workflow: workflow, task: TaskID(task), state: taskState, runs: count,
                        workflowRuns: runsPerWorkflow[workflow] ?? 0, oldestSince: Date(timeIntervalSince1970: oldest)))
            }
            return entries
        }
    }
}
