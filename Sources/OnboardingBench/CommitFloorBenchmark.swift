import CSQLite
import Foundation
import OnboardingEngine
import OnboardingEngineTesting

/// What SQLite alone costs for one task of a chain: the statements of the engine's commit for a
/// task (the lease check, the finished task's row, the next task's row, their two events), run
/// from C with prepared statements on a journal the engine created, with no engine around them.
///
/// The engine's per-task time cannot go below this without journaling less; the difference is
/// the engine's own cost. The statements are the journal's own (``Journal/CommitSQL``).
enum CommitFloorBenchmark {
    /// Microseconds per task commit over `count` tasks, at `durability`.
    static func microsecondsPerTask(count: Int, directory: URL, durability: JournalOptions.Durability) async throws -> Double {
        let path = directory.appendingPathComponent("floor-\(UUID().uuidString).sqlite").path
        // The journal's own schema and rows: a run of `count` pending tasks, created by the engine.
        do {
            let engine = Engine(journal: try Journal(path: path), logger: WorkflowBenchmarks.quiet)
            let tasks = (0..<count).map { index in
                ClosureTask(id: TaskID("t\(index)"), dependencies: index == 0 ? [] : [TaskID("t\(index - 1)")]) { _ in NoOutput() }
            }
            _ = try await engine.submit(try TaskGraph(workflow: "floor", tasks: tasks), id: "floor", input: NoOutput())
        }
        var db: OpaquePointer?
        guard sqlite3_open(path, &db) == SQLITE_OK, let db else { fatalError("cannot open \(path)") }
        defer { sqlite3_close(db) }
        sqlite3_busy_timeout(db, 10_000)  // the engine's connections may not have closed yet
        sqlite3_exec(db, "PRAGMA synchronous=\(durability.rawValue); PRAGMA foreign_keys=ON", nil, nil, nil)
        func prepare(_ sql: String) -> OpaquePointer {
            var statement: OpaquePointer?
            guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
                fatalError("cannot prepare \(sql): \(String(cString: sqlite3_errmsg(db)))")
            }
            return statement
        }
        let begin = prepare("BEGIN IMMEDIATE")
        let commit = prepare("COMMIT")
        let lease = prepare(Journal.CommitSQL.leaseAndLastEvent)
        let update = prepare(Journal.CommitSQL.updateTask)
        let events = prepare(Journal.CommitSQL.insertTwoEvents)
        let statements = [begin, commit, lease, update, events]
        defer { for statement in statements { sqlite3_finalize(statement) } }
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        func text(_ statement: OpaquePointer, _ index: Int32, _ value: String) {
            sqlite3_bind_text(statement, index, value, -1, transient)
        }
        func step(_ statement: OpaquePointer) {
            while sqlite3_step(statement) == SQLITE_ROW {}
            sqlite3_reset(statement)
        }
        /// The run's last event number, read with the lease.
        func checkLease() -> Int64 {
            text(lease, 1, "floor")
            var last: Int64 = 0
            while sqlite3_step(lease) == SQLITE_ROW { last = sqlite3_column_int64(lease, 2) }
            sqlite3_reset(lease)
            return last
        }
        func updateTask(_ id: String, state: String, output: Bool, at: Double) {
            text(update, 1, state)
            sqlite3_bind_int64(update, 2, 1)
            sqlite3_bind_int64(update, 3, 0)
            if output {
                sqlite3_bind_blob(update, 4, "{}", 2, transient)
                sqlite3_bind_int64(update, 5, 0x1234_5678)
            } else {
                sqlite3_bind_null(update, 4)
                sqlite3_bind_null(update, 5)
            }
            for index: Int32 in 6...10 { sqlite3_bind_null(update, index) }
            sqlite3_bind_double(update, 11, at)
            text(update, 12, "floor")
            text(update, 13, id)
            step(update)
        }
        /// A task's completion and the start it releases, as the numbers after `last`.
        func insertEvents(finished: String, started: String, after last: Int64, at: Double) {
            text(events, 1, "floor")
            for (offset, (task, action)) in [(finished, "task.succeeded"), (started, "task.started")].enumerated() {
                let base = Int32(2 + 7 * offset)
                sqlite3_bind_int64(events, base, last + 1 + Int64(offset))
                text(events, base + 1, task)
                sqlite3_bind_double(events, base + 2, at)
                text(events, base + 3, "engine")
                text(events, base + 4, action)
                sqlite3_bind_null(events, base + 5)
                sqlite3_bind_int64(events, base + 6, 1)
            }
            step(events)
        }
        let clock = ContinuousClock()
        let start = clock.now
        for index in 0..<(count - 1) {
            let now = Date().timeIntervalSince1970
            step(begin)
            let last = checkLease()
            updateTask("t\(index)", state: "succeeded", output: true, at: now)
            updateTask("t\(index + 1)", state: "running", output: false, at: now)
            insertEvents(finished: "t\(index)", started: "t\(index + 1)", after: last, at: now)
            step(commit)
        }
        let elapsed = clock.now - start
        let microseconds = Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12
        return microseconds / Double(count - 1)
    }
}
