import CSQLite
import Foundation
import Logging
import OnboardingEngine
import OnboardingEngineTesting
import Testing

/// Runs SQL on a file with the plain C API, as another program would.
func rawSQL(_ path: String, _ sql: String) throws {
    var db: OpaquePointer?
    guard sqlite3_open(path, &db) == SQLITE_OK else { throw POSIXError(.EIO) }
    defer { sqlite3_close(db) }
    var message: UnsafeMutablePointer<CChar>?
    if sqlite3_exec(db, sql, nil, nil, &message) != SQLITE_OK {
        let text = message.map { String(cString: $0) } ?? "?"
        sqlite3_free(message)
        throw JournalError(.sqlite, text)
    }
}

/// A task named "slow" that runs until `release` is set.
func heldUntil(_ release: Flag) -> ClosureTask<NoOutput> {
    ClosureTask(id: "slow") { _ in
        while !release.isSet { try await Task.sleep(for: .milliseconds(2)) }
        return NoOutput()
    }
}

@Suite("Journal file: format, safety and leases")
struct JournalTests {
    @Test func aNewJournalIsOwnerOnlyWALAndVersioned() throws {
        let temporary = try TemporaryJournal()
        defer { temporary.remove() }
        let attributes = try FileManager.default.attributesOfItem(atPath: temporary.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let reopened = try temporary.reopen()
        #expect(try reopened.integrityCheck() == ["ok"])
        var mode = ""
        var version = 0
        var db: OpaquePointer?
        sqlite3_open(temporary.path, &db)
        defer { sqlite3_close(db) }
        var statement: OpaquePointer?
        sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &statement, nil)
        if sqlite3_step(statement) == SQLITE_ROW { mode = String(cString: sqlite3_column_text(statement, 0)) }
        sqlite3_finalize(statement)
        sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &statement, nil)
        if sqlite3_step(statement) == SQLITE_ROW { version = Int(sqlite3_column_int(statement, 0)) }
        sqlite3_finalize(statement)
        #expect(mode == "wal")
        #expect(version == 7)
    }

    @Test func aFileThatIsNotSQLiteIsRefusedAndLeftUntouched() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("notes.txt").path
        let contents = Data(String(repeating: "tenant notes, not a journal\n", count: 200).utf8)
        try contents.write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: JournalError.self) { try Journal(path: path) }
        #expect(error?.code == .notAJournal)
        #expect(error?.path == path)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == contents)
    }

    @Test func anotherProgramsDatabaseIsRefusedAndLeftUntouched() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("app.sqlite").path
        try rawSQL(path, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('contoso');")
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let error = #expect(throws: JournalError.self) { try Journal(path: path) }
        #expect(error?.code == .notAJournal)
        #expect(error?.message.contains("another program") == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    /// Schema 7 restates `tasks_attention`'s condition as comparisons (an `IN` list built a temporary
    /// B-tree on every task update): a schema 6 journal is upgraded when opened, and filters by the
    /// task a run stopped at, and the fleet summary, read the new index.
    @Test func aSchema6JournalIsUpgradedAndStillListsByTask() async throws {
        let temporary = try TemporaryJournal()
        defer { temporary.remove() }
        let engine = Engine(
            journal: temporary.journal, clock: ManualClock(), logger: .init(label: "t", factory: { _ in SwiftLogNoOpLogHandler() }))
        let failing = ClosureTask(id: "b", dependencies: ["a"]) { _ -> NoOutput in
            throw TaskInterruption.permanent("Graph said no.", code: "E1")
        }
        _ = try await engine.start(try TaskGraph(workflow: "w", tasks: [step("a"), failing]), id: "r1", input: Empty())
        // What migration 6 left: the index with its `IN` list, and user_version 6.
        try rawSQL(
            temporary.path,
            """
            DROP INDEX tasks_attention;
            CREATE INDEX tasks_attention ON tasks (task_id, run_id) WHERE state IN ('failed', 'waiting', 'blocked');
            PRAGMA user_version = 6;
            """)
        #expect(throws: JournalError.self, "a schema 6 journal must be upgraded before it can be read") {
            _ = try Journal(path: temporary.path, options: .reading)
        }
        let upgraded = Engine(
            journal: try temporary.reopen(), clock: ManualClock(), logger: .init(label: "t", factory: { _ in SwiftLogNoOpLogHandler() }))
        #expect(try await upgraded.runs(matching: RunFilter(task: "b")).runs.map(\.id) == ["r1"])
        #expect(try await upgraded.runs(matching: RunFilter(errorCode: "E1")).runs.map(\.id) == ["r1"])
        #expect(try await upgraded.fleetSummary().map(\.task) == ["b"])

        var db: OpaquePointer?
        sqlite3_open(temporary.path, &db)
        defer { sqlite3_close(db) }
        var statement: OpaquePointer?
        var version = 0
        var indexSQL = ""
        sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &statement, nil)
        if sqlite3_step(statement) == SQLITE_ROW { version = Int(sqlite3_column_int(statement, 0)) }
        sqlite3_finalize(statement)
        sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_schema WHERE name = 'tasks_attention'", -1, &statement, nil)
        if sqlite3_step(statement) == SQLITE_ROW { indexSQL = String(cString: sqlite3_column_text(statement, 0)) }
        sqlite3_finalize(statement)
        #expect(version == 7)
        #expect(indexSQL.contains("state = 'failed' OR state = 'waiting' OR state = 'blocked'"), "\(indexSQL)")
    }

    @Test func aJournalFromANewerSchemaIsRefused() throws {
        let temporary = try TemporaryJournal()
        defer { temporary.remove() }
        try rawSQL(temporary.path, "PRAGMA user_version = 99")
        let error = #expect(throws: JournalError.self) { try temporary.reopen() }
        #expect(error?.code == .newerSchema)
        #expect(error?.message.contains("schema 99") == true)
    }

    @Test func aDamagedJournalIsReportedAsCorruptAndNotRecreated() async throws {
        let temporary = try TemporaryJournal()
        defer { temporary.remove() }
        let engine = Engine(
            journal: temporary.journal, clock: ManualClock(), logger: .init(label: "t", factory: { _ in SwiftLogNoOpLogHandler() }))
        let graph = try TaskGraph(workflow: "w", tasks: (0..<300).map { step(TaskID("task-\($0)")) })
        _ = try await engine.start(graph, id: "r", input: ["note": String(repeating: "x", count: 5000)])
        // Fold the WAL into the main file, then overwrite pages past the header with garbage.
        try rawSQL(temporary.path, "PRAGMA wal_checkpoint(TRUNCATE)")
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: temporary.path))
        try handle.seek(toOffset: 4096)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 4096 * 6))
        try handle.close()
        let damaged = try Data(contentsOf: URL(fileURLWithPath: temporary.path))

        let error = #expect(throws: JournalError.self) {
            let journal = try temporary.reopen()
            _ = try journal.tasks(of: "r")
        }
        #expect(error?.code == .corrupt)
        #expect(error?.message.contains("left untouched") == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: temporary.path)) == damaged)
    }

    @Test func aMissingFileIsNotCreatedWhenCreationIsOff() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString).sqlite").path
        let error = #expect(throws: JournalError.self) { try Journal(path: path, options: JournalOptions(createIfMissing: false)) }
        #expect(error?.code == .cannotOpen)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func theEventLogIsAppendOnly() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        // A live (parked) run: nothing of its timeline may change. (An ended run's may be pruned.)
        let waits = ClosureTask(id: "a", output: NoOutput.self) { _ in throw TaskInterruption.waitingForPerson(action: "Do it.") }
        _ = try await harness.engine.start(try TaskGraph(workflow: "w", tasks: [waits]), id: "r", input: Empty())
        #expect(throws: JournalError.self) { try rawSQL(harness.temporary.path, "UPDATE events SET actor = 'mallory'") }
        #expect(throws: JournalError.self) { try rawSQL(harness.temporary.path, "DELETE FROM events") }
        #expect(try harness.journal.events(of: "r").allSatisfy { $0.actor == "engine" })
    }

    @Test func aRunLeasedByAnotherEngineCannotBeResumedOrChanged() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        let release = Flag()
        let graph = try TaskGraph(
            workflow: "w",
            tasks: [
                heldUntil(release)
            ])
        async let first = harness.engine.start(graph, id: "r", input: Empty())
        await eventually { (try? harness.journal.tasks(of: "r").first?.state) == .running }

        let other = try harness.secondEngine()
        let refused = await #expect(throws: EngineError.self) { try await other.resume("r", graph: graph) }
        #expect(refused?.code == .runLeased)
        #expect(refused?.message.contains(harness.engine.configuration.ownerID) == true)
        let support = await #expect(throws: EngineError.self) { try await other.retry("slow", in: "r", actor: "x") }
        #expect(support?.code == .runLeased)

        release.set()
        #expect(try await first.state == .succeeded)
        #expect(try await other.resume("r", graph: graph).state == .succeeded)
    }

    @Test func anExpiredLeaseIsTakenOverAndTheStaleOwnerStopsWriting() async throws {
        let harness = try Harness(configuration: EngineConfiguration(leaseDuration: .seconds(30), ownerID: "far-host:1:a"))
        defer { harness.remove() }
        let release = Flag()
        let graph = try TaskGraph(
            workflow: "w",
            tasks: [
                heldUntil(release),
                step("next", ["slow"]),
            ])
        let stale = Task { try await harness.engine.start(graph, id: "r", input: Empty()) }
        await eventually { (try? harness.journal.tasks(of: "r").first?.state) == .running }

        // The second engine's clock is past the first one's lease: the owner looks gone.
        let later = ManualClock(start: harness.clock.now().addingTimeInterval(120))
        let successor = try harness.secondEngine(ownerID: "far-host:2:b", clock: later)
        async let taken = successor.resume("r", graph: graph)
        await eventually { (try? harness.journal.run("r").leaseOwner) == "far-host:2:b" }
        release.set()

        let staleError = await #expect(throws: EngineError.self) { try await stale.value }
        #expect(staleError?.code == .runLeased)
        #expect(try await taken.state == .succeeded)
        let crashed = try harness.journal.events(of: "r").filter { $0.action == "task.crashed" }
        #expect(crashed.map(\.taskID) == ["slow"])
    }
}

@Suite("The engine's concurrency permits come back on every path")
struct PermitTests {
    @Test func aRunWhoseCommitThrowsGivesItsPermitsBack() async throws {
        let harness = try Harness(configuration: EngineConfiguration(maxConcurrentTasks: 2), clock: ManualClock())
        defer { harness.remove() }
        // Run A holds both permits with two tasks in flight; its lease is then taken, so the
        // commit of their outcomes throws.
        let release = Flag()
        let running = Counter()
        let held = (0..<2).map { index in
            ClosureTask(id: TaskID("held\(index)")) { _ in
                running.enter()
                while !release.isSet { try await Task.sleep(for: .milliseconds(2)) }
                return NoOutput()
            }
        }
        let first = try TaskGraph(workflow: "held", tasks: held)
        let engine = harness.engine
        let lost = Task { try await engine.start(first, id: "a", input: Empty()) }
        await eventually { running.peak == 2 }
        try rawSQL(harness.temporary.path, "UPDATE runs SET lease_owner = 'another-host:1:x' WHERE id = 'a'")
        release.set()
        await #expect(throws: EngineError.self) { _ = try await lost.value }

        // Run B needs both permits at once: each task waits until the other runs too.
        let together = Counter()
        let pair = (0..<2).map { index in
            ClosureTask(id: TaskID("pair\(index)")) { _ in
                together.enter()
                defer { together.leave() }
                for _ in 0..<2_000 where together.peak < 2 { try await Task.sleep(for: .milliseconds(1)) }
                return NoOutput()
            }
        }
        let second = try TaskGraph(workflow: "pair", tasks: pair)
        let result = try await withThrowingTaskGroup(of: RunResult?.self) { group in
            group.addTask { try await engine.start(second, id: "b", input: Empty()) }
            group.addTask {
                try await Task.sleep(for: .seconds(20))
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        #expect(result?.state == .succeeded, "the second run started at all: the permits came back")
        #expect(together.peak == 2, "…and at full concurrency")
    }
}

@Suite("One execution per run inside a process", .timeLimit(.minutes(1)))
struct OneOwnerTests {
    @Test func aSecondResumeOfARunThisEngineIsRunningIsRefusedAndTheTaskRunsOnce() async throws {
        let harness = try Harness(clock: ManualClock())
        defer { harness.remove() }
        let release = Flag()
        let runs = Counter()
        let slow = ClosureTask(id: "slow") { _ in
            runs.increment()
            while !release.isSet { try await Task.sleep(for: .milliseconds(2)) }
            return NoOutput()
        }
        let graph = try TaskGraph(workflow: "one", tasks: [slow])
        let engine = harness.engine
        let first = Task { try await engine.start(graph, id: "r", input: Empty()) }
        await eventually { runs.value == 1 }
        let error = await #expect(throws: EngineError.self) { _ = try await engine.resume("r", graph: graph) }
        #expect(error?.code == .runLeased, "\(String(describing: error))")
        let again = await #expect(throws: EngineError.self) {
            _ = try await engine.startOrResume(graph, id: "r", input: Empty())
        }
        #expect(again?.code == .runLeased)
        release.set()
        #expect(try await first.value.state == .succeeded)
        #expect(runs.value == 1, "never a second execution")
    }

    @Test func aConfirmationReachesTheLiveRunAndARetryIsRefusedNotLost() async throws {
        let harness = try Harness(clock: ManualClock())
        defer { harness.remove() }
        let release = Flag()
        let started = Flag()
        let slow = ClosureTask(id: "slow") { _ in
            started.set()
            while !release.isSet { try await Task.sleep(for: .milliseconds(2)) }
            return NoOutput()
        }
        let approve = ClosureTask(id: "approve", output: NoOutput.self) { context in
            guard context.confirmation != nil else { throw TaskInterruption.waitingForPerson(action: "Approve.") }
            return NoOutput()
        }
        let graph = try TaskGraph(workflow: "one", tasks: [slow, approve])
        let engine = harness.engine
        let running = Task { try await engine.start(graph, id: "r", input: Empty(), options: RunOptions(maxIdleWait: .zero)) }
        await eventually { started.isSet }
        await eventually { (try? harness.journal.tasks(of: "r").first { $0.id == "approve" }?.state) == .waiting }
        // The runner holds the rows in memory: a retry would be overwritten, so it is refused.
        let error = await #expect(throws: EngineError.self) { try await engine.retry("approve", in: "r", actor: "admin") }
        #expect(error?.code == .runLeased)
        // A confirmation goes to the live execution, which continues with it: no resume needed.
        await #expect(try engine.confirm("approve", in: "r", actor: "admin", note: "approved") == .delivered)
        await eventually { (try? harness.journal.tasks(of: "r").first { $0.id == "approve" }?.state) == .succeeded }
        release.set()
        #expect(try await running.value.state == .succeeded)
        let confirmed = try harness.journal.events(of: "r").filter { $0.action == "task.confirmed" }
        #expect(confirmed.map(\.actor) == ["admin"])
        #expect(confirmed.first?.reason == "approved")
    }
}
