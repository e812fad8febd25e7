import Foundation
import Logging
import OnboardingEngine
import OnboardingEnginePostgres
import OnboardingEngineTesting
import Synchronization
import Testing

/// The journal backends the engine's guarantees are checked on. Each case of the suite runs on
/// every backend; a new backend joins by adding a kind here.
enum BackendKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    /// The SQLite ``Journal``.
    case sqlite
    /// The same file seen only through ``JournalBackend`` (``ForwardedBackend``).
    case forwarded
    /// ``PostgresJournal`` on the server `ONBOARDING_TEST_POSTGRES` names (`.ci/run` starts one).
    case postgres

    var testDescription: String { rawValue }

    /// The server the PostgreSQL cases use: `postgres://user@127.0.0.1:port/postgres`.
    static let postgresURL = ProcessInfo.processInfo.environment["ONBOARDING_TEST_POSTGRES"]

    /// The kinds this machine can run. In CI (`CI` set) PostgreSQL is required, so a missing
    /// server fails the suite instead of skipping it.
    static var available: [BackendKind] {
        postgresURL != nil || ProcessInfo.processInfo.environment["CI"] != nil ? allCases : [.sqlite, .forwarded]
    }
}

/// A fresh journal of one kind; engines over it are separate "processes" (own connection, own owner id).
final class BackendFixture: Sendable {
    let kind: BackendKind
    let temporary: TemporaryJournal
    /// The PostgreSQL database made for this test.
    private let postgres: PostgresJournalConfiguration?
    /// The PostgreSQL database of a `.postgres` fixture, to look at its tables directly.
    var postgresConfiguration: PostgresJournalConfiguration? { postgres }
    /// The journals opened on it, closed by ``remove()``.
    private let opened = Mutex<[PostgresJournal]>([])
    private static let quiet = Logger(label: "conformance", factory: { _ in SwiftLogNoOpLogHandler() })

    private init(kind: BackendKind, temporary: TemporaryJournal, postgres: PostgresJournalConfiguration?) {
        self.kind = kind
        self.temporary = temporary
        self.postgres = postgres
    }

    /// A fresh journal: a new file, or a new database on the test server.
    static func make(_ kind: BackendKind) async throws -> BackendFixture {
        let temporary = try TemporaryJournal()
        guard kind == .postgres else { return BackendFixture(kind: kind, temporary: temporary, postgres: nil) }
        let url = try #require(BackendKind.postgresURL, "ONBOARDING_TEST_POSTGRES names the test server (.ci/run starts one)")
        let server = try PostgresJournalConfiguration(url: url)
        let name = "onboarding_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
        try await TestDatabases.create(name, on: server)
        var configuration = server
        configuration.database = name
        return BackendFixture(kind: kind, temporary: temporary, postgres: configuration)
    }

    /// An engine on its own connection to the journal, with owner id `owner` (on another host,
    /// so only its lease says whether it is alive).
    func engine(owner: String = "host-a:1:a", messagePollInterval: Duration = .seconds(1)) async throws -> Engine {
        let configuration = EngineConfiguration(ownerID: owner, messagePollInterval: messagePollInterval)
        switch kind {
        case .sqlite:
            return Engine(journal: try temporary.reopen(), configuration: configuration, logger: Self.quiet)
        case .forwarded:
            return Engine(
                backend: ForwardedBackend(journal: try temporary.reopen()), configuration: configuration, logger: Self.quiet)
        case .postgres:
            guard let postgres else { throw JournalError(.cannotOpen, "no test database") }
            let journal = try await PostgresJournal.open(postgres, logger: Self.quiet)
            opened.withLock { $0.append(journal) }
            return Engine(journal: journal, configuration: configuration, logger: Self.quiet)
        }
    }

    /// The journal itself, on a connection of its own (a file opened read-only with `reading`).
    func backend(reading: Bool = false) async throws -> any JournalBackend {
        switch kind {
        case .sqlite: return try temporary.reopen(options: reading ? .reading : JournalOptions())
        case .forwarded: return ForwardedBackend(journal: try temporary.reopen(options: reading ? .reading : JournalOptions()))
        case .postgres:
            guard let postgres else { throw JournalError(.cannotOpen, "no test database") }
            let journal = try await PostgresJournal.open(postgres, logger: Self.quiet)
            opened.withLock { $0.append(journal) }
            return journal
        }
    }

    func worker(_ engine: Engine, _ graph: TaskGraph) -> OnboardingWorker {
        var registry = WorkflowRegistry()
        registry.register(graph.workflow) { _ in graph }
        return OnboardingWorker(
            engine: engine, registry: registry, configuration: .init(pollInterval: .milliseconds(50)), logger: Self.quiet)
    }

    /// Runs SQL on the journal behind the engine's back, as another program (or a damaged
    /// disk) would; the SQL is written for both SQLite and PostgreSQL.
    func rawSQL(_ sql: String) async throws {
        if let postgres {
            try await PostgresJournalTests.execute(sql, in: postgres)
        } else {
            try OnboardingEngineTests.rawSQL(temporary.path, sql)
        }
    }

    /// Runs `body` with a fresh journal of `kind`, removing it afterwards (also when `body` throws).
    static func with(_ kind: BackendKind, _ body: (BackendFixture) async throws -> Void) async throws {
        let fixture = try await make(kind)
        do {
            try await body(fixture)
        } catch {
            await fixture.remove()
            throw error
        }
        await fixture.remove()
    }

    func remove() async {
        temporary.remove()
        guard let postgres else { return }
        for journal in opened.withLock({ $0 }) { await journal.close() }
        try? await TestDatabases.drop(postgres.database, on: postgres)
    }
}

/// Waits (real time) until `condition` holds or `seconds` pass.
private func within(_ seconds: Double, _ condition: () async throws -> Bool) async rethrows {
    let deadline = Date().addingTimeInterval(seconds)
    while try await !condition(), Date() < deadline { try? await Task.sleep(for: .milliseconds(10)) }
}

@Suite("Journal backends: the engine's guarantees on each")
struct JournalBackendConformanceTests {
    @Test(arguments: BackendKind.available)
    func aRunIsJournaledStepByStepAndReadBackThroughTheEngine(_ kind: BackendKind) async throws {
        try await BackendFixture.with(kind) { fixture in
            let engine = try await fixture.engine()
            let resumed = Counter()
            let graph = try TaskGraph(
                workflow: "w",
                tasks: [
                    step("a"),
                    ClosureTask(id: "b", dependencies: ["a"]) { context in
                        // A checkpoint is durable across attempts: the second attempt sees the first's.
                        if let seen: Int = try await context.checkpoint() { resumed.record("saw \(seen)") ; return NoOutput() }
                        try await context.saveCheckpoint(41)
                        throw TaskInterruption.retryable("try again", retryAfter: .zero)
                    },
                    step("c", ["b"]),
                ])
            let result = try await engine.start(graph, id: "r", input: Empty())
            #expect(result.state == .succeeded)
            #expect(resumed.log == ["saw 41"])

            #expect(try await engine.run("r").state == .succeeded)
            #expect(try await engine.tasks(of: "r").map(\.state) == [.succeeded, .succeeded, .succeeded])
            #expect(try await engine.graph(of: "r").map(\.id) == ["a", "b", "c"])
            let actions = try await engine.history(of: "r").map(\.action)
            #expect(actions.first == "run.started")
            #expect(actions.last == "run.finished")
            #expect(actions.filter { $0 == "task.started" }.count == 4)
            #expect(actions.contains("task.retrying"))
            let sequences = try await engine.history(of: "r").map(\.sequence)
            #expect(sequences == sequences.sorted() && Set(sequences).count == sequences.count, "one ordered timeline")
            let tail = try await engine.history(of: "r", after: sequences[sequences.count - 2])
            #expect(tail.map(\.action) == ["run.finished"])
            let listed = try await engine.runs()
            #expect(listed.map(\.id) == ["r"])
            #expect(listed.first?.taskCounts[.succeeded] == 3)
            #expect(try await engine.runs(state: .failed).isEmpty)
        }
    }

    @Test(arguments: BackendKind.available)
    func unknownRunsAreNamedByEveryReadAndATakenIdWritesNothing(_ kind: BackendKind) async throws {
        try await BackendFixture.with(kind) { fixture in
            let engine = try await fixture.engine()
            for read in [
                { _ = try await engine.run("ghost") }, { _ = try await engine.tasks(of: "ghost") },
                { _ = try await engine.history(of: "ghost") }, { _ = try await engine.graph(of: "ghost") },
            ] as [@Sendable () async throws -> Void] {
                let error = await #expect(throws: EngineError.self) { try await read() }
                #expect(error?.code == .unknownRun)
                #expect(error?.message.contains("ghost") == true)
            }

            let graph = try TaskGraph(workflow: "w", tasks: [step("a")])
            _ = try await engine.start(graph, id: "r", input: Empty())
            let before = try await engine.history(of: "r").count
            let taken = await #expect(throws: EngineError.self) { try await engine.start(graph, id: "r", input: Empty()) }
            #expect(taken?.code == .runExists)
            #expect(try await engine.history(of: "r").count == before)
            #expect(try await engine.submit(graph, id: "r", input: Empty()) == false, "a repeated submit is not a new run")
        }
    }

    @Test(arguments: BackendKind.available)
    func anotherOwnersLiveRunIsNeitherResumedNorChangedAndACancelReachesIt(_ kind: BackendKind) async throws {
        try await BackendFixture.with(kind) { fixture in
            let owner = try await fixture.engine(owner: "host-a:1:a", messagePollInterval: .milliseconds(100))
            let other = try await fixture.engine(owner: "host-b:2:b")
            let graph = try TaskGraph(
                workflow: "w",
                tasks: [
                    ClosureTask(id: "slow") { _ -> NoOutput in
                        while true { try await Task.sleep(for: .milliseconds(5)) }
                    }
                ])
            let running = Task { try await owner.start(graph, id: "r", input: Empty()) }
            await within(10) { (try? await other.tasks(of: "r").first?.state) == .running }

            let resume = await #expect(throws: EngineError.self) { try await other.resume("r", graph: graph) }
            #expect(resume?.code == .runLeased)
            #expect(resume?.message.contains("host-a:1:a") == true, "names the owner")
            let retry = await #expect(throws: EngineError.self) { try await other.retry("slow", in: "r", actor: "pat") }
            #expect(retry?.code == .runLeased)
            #expect(try await other.history(of: "r").allSatisfy { $0.actor != "pat" }, "nothing written by the refused actions")

            #expect(try await other.cancel("r", actor: "pat", reason: "customer left") == .sent(owner: "host-a:1:a"))
            let result = try await running.value
            #expect(result.state == .cancelled)
            #expect(try await other.run("r").state == .cancelled)
        }
    }

    @Test(arguments: BackendKind.available)
    func aParkedRunTakesAConfirmationAndContinuesWithIt(_ kind: BackendKind) async throws {
        try await BackendFixture.with(kind) { fixture in
            let engine = try await fixture.engine()
            let notes = Counter()
            let graph = try TaskGraph(
                workflow: "w",
                tasks: [
                    approval(notingIn: notes),
                    step("after", ["approve"]),
                ])
            let parked = try await engine.start(graph, id: "r", input: Empty(), options: RunOptions(maxIdleWait: .zero))
            #expect(parked.state == .waiting)

            let support = try await fixture.engine(owner: "host-b:2:b")
            #expect(try await support.confirm("approve", in: "r", actor: "pat", note: "approved by J. Doe") == .recorded)
            let refused = await #expect(throws: EngineError.self) { try await support.confirm("after", in: "r", actor: "pat") }
            #expect(refused?.code == .invalidState)
            let result = try await engine.resume("r", graph: graph)
            #expect(result.state == .succeeded)
            #expect(notes.log == ["approved by J. Doe"])
            #expect(try await engine.history(of: "r").contains { $0.action == "task.confirmed" && $0.actor == "pat" })
        }
    }

    @Test(arguments: BackendKind.available)
    func aCancelRequestedWhileAVanishedOwnerRanItIsJournaledWhenTheRunIsNextResumed(_ kind: BackendKind) async throws {
        try await BackendFixture.with(kind) { fixture in
            let engine = try await fixture.engine()
            let graph = try TaskGraph(workflow: "w", tasks: [step("a")])
            _ = try await engine.submit(graph, id: "r", input: Empty())
            // Its owner asked to cancel it, then vanished (its lease ran out) before it acted.
            try await fixture.rawSQL(
                """
                UPDATE runs SET state = 'running', lease_owner = 'gone-host:1:x', lease_expires_at = 1,
                                cancel_requested = \(kind == .postgres ? "true" : "1")
                WHERE id = 'r'
                """)
            let refused = await #expect(throws: EngineError.self) { try await engine.resume("r", graph: graph) }
            #expect(refused?.code == .invalidState)
            #expect(try await engine.run("r").state == .cancelled, "the cancel is kept, not rolled back with the refusal")
            #expect(try await engine.history(of: "r").last?.action == "run.cancelled")
            #expect(try await engine.tasks(of: "r").first?.state == .pending, "nothing ran")
        }
    }

    @Test(arguments: BackendKind.available)
    func aConfirmationForATaskAVanishedOwnerLeftRunningIsKeptForTheResume(_ kind: BackendKind) async throws {
        try await BackendFixture.with(kind) { fixture in
            let engine = try await fixture.engine()
            let notes = Counter()
            let graph = try TaskGraph(workflow: "w", tasks: [approval(notingIn: notes)])
            _ = try await engine.submit(graph, id: "r", input: Empty())
            // Its owner was attempting the task when it vanished.
            try await fixture.rawSQL(
                "UPDATE runs SET state = 'running', lease_owner = 'gone-host:1:x', lease_expires_at = 1 WHERE id = 'r'")
            try await fixture.rawSQL("UPDATE tasks SET state = 'running', attempts = 1 WHERE run_id = 'r'")
            #expect(try await engine.confirm("approve", in: "r", actor: "pat", note: "approved") == .recorded)
            let result = try await engine.resume("r", graph: graph)
            #expect(result.state == .succeeded)
            #expect(notes.log == ["approved"])
        }
    }

    @Test(arguments: BackendKind.available)
    func aParkedRunClaimedByAWorkerThatDiedBeforeResumingItIsClaimedAgain(_ kind: BackendKind) async throws {
        try await BackendFixture.with(kind) { fixture in
            let engine = try await fixture.engine(owner: "host-a:1:a")
            let graph = try TaskGraph(
                workflow: "w",
                tasks: [
                    ClosureTask(id: "approve") { context -> NoOutput in
                        guard context.confirmation != nil else { throw TaskInterruption.waitingForPerson(action: "Approve.") }
                        return NoOutput()
                    }
                ])
            _ = try await engine.submit(graph, id: "r", input: Empty())
            #expect(try await engine.resume("r", graph: graph).state == .waiting)
            // A person confirmed while a worker held the lease; that worker claimed the run (its
            // timer cleared) and died before resuming it: the run is parked, leased by nobody alive.
            try await fixture.rawSQL(
                """
                INSERT INTO run_messages (run_id, kind, task_id, actor, note, at) VALUES ('r', 'confirm', 'approve', 'pat', NULL, 1)
                """)
            try await fixture.rawSQL("UPDATE runs SET lease_owner = 'gone-host:9:x', lease_expires_at = 1, wake_at = NULL WHERE id = 'r'")
            let worker = fixture.worker(try await fixture.engine(owner: "host-b:2:b"), graph)
            let serving = Task { try await worker.run() }
            defer { serving.cancel() }
            try await within(20) { (try? await engine.run("r").state) == .succeeded }
            #expect(try await engine.run("r").state == .succeeded, "the run is claimed again and takes the confirmation")
        }
    }

    @Test(arguments: BackendKind.available)
    func twoWorkersOnOneJournalRunEveryTaskOfEveryRunOnce(_ kind: BackendKind) async throws {
        try await BackendFixture.with(kind) { fixture in
            let executions = Counter()
            func counted(_ id: TaskID, _ dependencies: [TaskID] = []) -> ClosureTask<NoOutput> {
                ClosureTask(id: id, dependencies: dependencies) { context in
                    executions.record("\(context.runID)/\(id)")
                    try await Task.sleep(for: .milliseconds(Int.random(in: 0..<5)))
                    return NoOutput()
                }
            }
            let graph = try TaskGraph(workflow: "w", tasks: [counted("a"), counted("b", ["a"]), counted("c", ["a"])])
            let first = try await fixture.engine(owner: "host-a:1:a")
            let second = try await fixture.engine(owner: "host-b:2:b")
            let workers = [fixture.worker(first, graph), fixture.worker(second, graph)]
            let serving = workers.map { worker in Task { try await worker.run() } }
            defer { for task in serving { task.cancel() } }

            let runs = (0..<20).map { RunID("r\($0)") }
            for (index, run) in runs.enumerated() {
                _ = try await (index.isMultiple(of: 2) ? first : second).submit(graph, id: run, input: Empty())
            }
            try await within(30) { try await first.runs(state: .succeeded).count == runs.count }
            #expect(try await first.runs(state: .succeeded).count == runs.count)
            let counts = Dictionary(executions.log.map { ($0, 1) }, uniquingKeysWith: +)
            #expect(counts.count == runs.count * 3)
            #expect(counts.values.allSatisfy { $0 == 1 }, "no task ran twice: \(counts.filter { $0.value > 1 })")
            let servedBy = try await Set(runs.asyncMap { try await first.history(of: $0).filter { $0.action == "run.resumed" }.count })
            #expect(servedBy == [1], "each run claimed once")
        }
    }

    @Test(arguments: BackendKind.available)
    func aCommitAfterTheLeasePassedToAnotherEngineIsRefusedAndWritesNothing(_ kind: BackendKind) async throws {
        try await BackendFixture.with(kind) { fixture in
            let engine = try await fixture.engine(owner: "host-a:1:a")
            let started = Counter()
            let release = Counter()
            let graph = try TaskGraph(
                workflow: "w",
                tasks: [
                    ClosureTask(id: "a") { _ -> NoOutput in
                        started.increment()
                        while release.value == 0 { try await Task.sleep(for: .milliseconds(10)) }
                        return NoOutput()
                    },
                    step("b", ["a"]),
                ])
            _ = try await engine.submit(graph, id: "r", input: Empty())
            let execution = Task { try await engine.resume("r", graph: graph) }
            try await within(60) { started.value > 0 }
            try #require(started.value > 0, "the task started")
            // Another engine took the run (this one's lease ran out unseen) while `a` ran.
            try await fixture.rawSQL("UPDATE runs SET lease_owner = 'host-b:2:b', lease_expires_at = 4102444800 WHERE id = 'r'")
            release.increment()
            let refused = await #expect(throws: EngineError.self) { try await execution.value }
            #expect(refused?.code == .runLeased)
            #expect(refused?.message.contains("host-b:2:b") == true, "\(refused?.message ?? "")")
            let reader = try await fixture.engine(owner: "host-c:3:c")
            let states = try await reader.tasks(of: "r").map(\.state)
            #expect(states == [.running, .pending], "the finished attempt was not written: \(states)")
            #expect(try await !reader.history(of: "r").contains { $0.action == "task.succeeded" })
            #expect(try await reader.run("r").leaseOwner == "host-b:2:b")
        }
    }
}

/// Task `approve`: waits for a person until confirmed, then records the confirmation's note.
func approval(notingIn notes: Counter) -> ClosureTask<NoOutput> {
    ClosureTask(id: "approve") { context -> NoOutput in
        guard let confirmation = context.confirmation else { throw TaskInterruption.waitingForPerson(action: "Approve.") }
        notes.record(confirmation.note ?? "")
        return NoOutput()
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
