import Foundation
import OnboardingEngine
import OnboardingEngineTesting
import Testing

/// A journal copied from one backend to another.
struct CopyDirection: CustomTestStringConvertible, Sendable {
    let from: BackendKind
    let to: BackendKind

    var testDescription: String { "\(from) to \(to)" }

    static let fileToFile = CopyDirection(from: .sqlite, to: .sqlite)
    /// The directions with PostgreSQL at one end or both.
    static let withPostgres = [
        CopyDirection(from: .sqlite, to: .postgres), CopyDirection(from: .postgres, to: .sqlite),
        CopyDirection(from: .postgres, to: .postgres),
    ]
}

/// The workflows of the source journal: a run that succeeds with outputs and a checkpoint, one
/// that fails for good, one parked on a person, one waiting for a condition.
enum CopiedWorkflows {
    static func succeeding() throws -> TaskGraph {
        let fetch = ClosureTask(id: "fetch", output: [String].self) { context in
            try await context.saveCheckpoint(["page": 2])
            return ["contoso.com", "mail.contoso.com"]
        }
        let count = ClosureTask(id: "count", dependencies: ["fetch"], output: Int.self) { context in
            try context.output(of: "fetch", as: [String].self).count
        }
        return try TaskGraph(workflow: "copy-succeeds", tasks: [fetch, count])
    }

    static func failing() throws -> TaskGraph {
        let importing = ClosureTask(id: "import-domains") { _ -> NoOutput in
            throw TaskInterruption.permanent("The directory refused the import.", code: "E42")
        }
        return try TaskGraph(workflow: "copy-fails", tasks: [importing])
    }

    /// `ran` records each task's attempts.
    static func parked(_ ran: Counter) throws -> TaskGraph {
        let fetch = ClosureTask(id: "fetch", output: String.self) { _ in
            ran.record("fetch")
            return "tenant-1"
        }
        let approve = ClosureTask(id: "approve", dependencies: ["fetch"]) { context in
            ran.record("approve")
            try await context.saveCheckpoint(["step": 1])
            guard context.confirmation != nil else {
                throw TaskInterruption.waitingForPerson(action: "Approve the domains.")
            }
            return NoOutput()
        }
        let finish = ClosureTask(id: "finish", dependencies: ["fetch", "approve"], output: String.self) { context in
            ran.record("finish")
            return "finished " + (try context.output(of: "fetch", as: String.self))
        }
        return try TaskGraph(workflow: "copy-parks", tasks: [fetch, approve, finish])
    }

    static func waitingForCondition() throws -> TaskGraph {
        let check = ClosureTask(id: "mx-check") { _ -> NoOutput in
            throw TaskInterruption.waitingForCondition("MX does not name Essentials yet.", recheckAfter: .seconds(3600))
        }
        return try TaskGraph(workflow: "copy-waits", tasks: [check])
    }
}

/// ``JournalCopy`` from file to file; ``JournalCopyPostgresTests`` runs the same cases to and from PostgreSQL.
@Suite("Copying a journal: every run, task, event and message, checked", .timeLimit(.minutes(5)))
struct JournalCopyTests {
    @Test func everyRunTaskEventAndMessageArrivesAndAParkedRunFinishesThere() async throws {
        try await Self.everyRunTaskEventAndMessageArrives(.fileToFile)
    }

    @Test func aDestinationHoldingARunIsRefusedAndLeftAsItWas() async throws {
        try await Self.aDestinationHoldingARunIsRefused(.fileToFile)
    }

    @Test func aChangedByteInTheSourceStopsTheCopyNamingTheRunAndTheDestinationGetsNoRun() async throws {
        try await Self.aChangedByteStopsTheCopy(.fileToFile)
    }

    @Test func aRunHeldByALiveOwnerOrALiveWorkerStopsTheCopy() async throws {
        try await Self.aLiveOwnerOrWorkerStopsTheCopy(.fileToFile)
    }

    /// The source's runs, oldest first.
    static let runs: [RunID] = ["succeeded", "failed", "parked", "waiting"]

    /// Fills `fixture` with the four runs; "parked" has a confirmation waiting for an owner that
    /// has since died (its lease expired), and an old worker's heartbeat is left behind.
    static func fillSource(_ fixture: BackendFixture) async throws {
        let engine = try await fixture.engine(owner: "host-a:1:a")
        let parkNow = RunOptions(maxIdleWait: .zero)
        #expect(
            try await engine.start(CopiedWorkflows.succeeding(), id: "succeeded", input: ["tenant": "contoso"]).state
                == .succeeded)
        #expect(try await engine.start(CopiedWorkflows.failing(), id: "failed", input: Empty()).state == .failed)
        #expect(
            try await engine.start(CopiedWorkflows.parked(Counter()), id: "parked", input: Empty(), options: parkNow)
                .state == .waiting)
        #expect(
            try await engine.start(
                CopiedWorkflows.waitingForCondition(), id: "waiting", input: Empty(), options: parkNow
            ).state == .waiting)

        // A worker on another host took "parked" and got Alice's confirmation as a message, then died.
        try await fixture.rawSQL(
            "UPDATE runs SET lease_owner = 'host-z:7:z', lease_expires_at = 4102444800 WHERE id = 'parked'")
        let other = try await fixture.engine(owner: "host-b:1:b")
        let delivery = try await other.confirm("approve", in: "parked", actor: "alice", note: "approved on the phone")
        #expect(delivery == .sent(owner: "host-z:7:z"))
        try await fixture.rawSQL("UPDATE runs SET lease_expires_at = 1 WHERE id = 'parked'")
        try await fixture.rawSQL("INSERT INTO workers (id, started_at, heartbeat_at) VALUES ('host-old:1:w', 1, 1)")
    }

    /// Every run's rows as `backend` stores them.
    static func rows(of backend: any JournalBackend) async throws -> [RunRows] {
        var rows: [RunRows] = []
        for summary in try await backend.fetchRuns(state: nil).reversed() {
            rows.append(try await backend.exportRun(summary.id, now: Date()))
        }
        return rows
    }

    // MARK: - The cases, for any direction

    /// Four runs in different states are copied row for row (leases left behind), read the same
    /// through the engine, and the parked one finishes on the copy.
    static func everyRunTaskEventAndMessageArrives(_ direction: CopyDirection) async throws {
        try await BackendFixture.with(direction.from) { from in
            try await BackendFixture.with(direction.to) { to in
                try await Self.fillSource(from)
                let source = try await from.backend(reading: true)
                let destination = try await to.backend()
                let before = try await Self.rows(of: source)

                let report = try await JournalCopy.copyRuns(from: source, to: destination, at: Date())

                #expect(report.runs == Self.runs)
                #expect(report.tasks == 2 + 1 + 3 + 1)
                #expect(report.events == before.reduce(0) { $0 + $1.events.count })
                #expect(report.messages == 1)
                #expect(try await Self.rows(of: source) == before, "the source is unchanged")

                // Row for row the same, but held by no lease.
                let copied = try await Self.rows(of: destination)
                #expect(copied.map(\.id) == Self.runs)
                for (original, copy) in zip(before, copied) {
                    var expected = original
                    expected.leaseOwner = nil
                    expected.leaseExpiresAt = nil
                    #expect(copy == expected, "run \(original.id)")
                }
                let parked = try #require(copied.first { $0.id == "parked" })
                #expect(parked.tasks.first { $0.id == "approve" }?.checkpoint != nil)
                #expect(parked.messages.map(\.actor) == ["alice"])
                #expect(try #require(copied.first { $0.id == "waiting" }).wakeAt != nil)

                // Through the engine's reads, as a host sees them.
                let readSource = try await from.engine(owner: "host-c:1:c")
                let readCopy = try await to.engine(owner: "host-d:1:d")
                #expect(try await readCopy.runs() == readSource.runs())
                for run in Self.runs {
                    var record = try await readSource.run(run)
                    record.leaseOwner = nil
                    record.leaseExpiresAt = nil
                    #expect(try await readCopy.run(run) == record)
                    #expect(try await readCopy.tasks(of: run) == readSource.tasks(of: run))
                    #expect(try await readCopy.history(of: run) == readSource.history(of: run))
                    #expect(try await readCopy.graph(of: run) == readSource.graph(of: run))
                }
                let failed = try #require(try await readCopy.tasks(of: "failed").first)
                #expect(failed.lastError?.message == "The directory refused the import.")
                #expect(failed.lastError?.code == "E42")
                #expect(
                    try await readCopy.liveWorkers(within: .seconds(2_000_000_000)).isEmpty, "heartbeats stay behind")
                #expect(try await !readSource.liveWorkers(within: .seconds(2_000_000_000)).isEmpty)

                // An engine on the copy resumes the parked run: Alice's confirmation, still waiting
                // for an owner, is applied, and only the tasks left run.
                let ran = Counter()
                let resumed = try await readCopy.resume("parked", graph: CopiedWorkflows.parked(ran))
                #expect(resumed.state == .succeeded)
                #expect(ran.log == ["approve", "finish"])
                #expect(
                    try await readCopy.tasks(of: "parked").first { $0.id == "approve" }?.confirmation?.actor == "alice")
                let history = try await readCopy.history(of: "parked")
                let original = try await readSource.history(of: "parked")
                #expect(Array(history.prefix(original.count)) == original, "the timeline goes on from the copied one")
                #expect(history.contains { $0.action == "task.confirmed" && $0.actor == "alice" })
                #expect(try await destination.pendingMessages().isEmpty)
                #expect(try await readSource.run("parked").state == .waiting, "the source's run is untouched")
            }
        }
    }

    static func aDestinationHoldingARunIsRefused(_ direction: CopyDirection) async throws {
        try await BackendFixture.with(direction.from) { from in
            try await BackendFixture.with(direction.to) { to in
                let engine = try await from.engine()
                _ = try await engine.start(CopiedWorkflows.succeeding(), id: "new", input: Empty())
                let there = try await to.engine()
                _ = try await there.start(CopiedWorkflows.failing(), id: "already-there", input: Empty())
                let destination = try await to.backend()
                let before = try await Self.rows(of: destination)

                let error = await #expect(throws: JournalError.self) {
                    _ = try await JournalCopy.copyRuns(
                        from: try await from.backend(reading: true), to: destination, at: Date())
                }
                #expect(error?.code == .notEmpty)
                #expect(error?.message.contains("already holds 1 run(s)") == true, "\(String(describing: error))")
                #expect(error?.message.contains("nothing was written") == true)
                #expect(try await Self.rows(of: destination) == before)
            }
        }
    }

    /// The run copied before the damaged one is rolled back with it.
    static func aChangedByteStopsTheCopy(_ direction: CopyDirection) async throws {
        try await BackendFixture.with(direction.from) { from in
            try await BackendFixture.with(direction.to) { to in
                let engine = try await from.engine()
                _ = try await engine.start(CopiedWorkflows.succeeding(), id: "good", input: Empty())
                _ = try await engine.start(CopiedWorkflows.succeeding(), id: "damaged", input: Empty())
                // The stored graph changes behind the journal's back; its checksum does not.
                try await from.rawSQL(
                    "UPDATE runs SET graph = replace(graph, '\"fetch\"', '\"fetcx\"') WHERE id = 'damaged'")
                let destination = try await to.backend()

                let error = await #expect(throws: JournalError.self) {
                    _ = try await JournalCopy.copyRuns(
                        from: try await from.backend(reading: true), to: destination, at: Date())
                }
                #expect(error?.code == .corrupt)
                #expect(error?.message.contains("graph of run 'damaged'") == true, "\(String(describing: error))")
                #expect(error?.message.contains("nothing was written to \(destination.location)") == true)
                #expect(try await destination.fetchRuns(state: nil).isEmpty, "the run copied before it was rolled back")
            }
        }
    }

    /// A live lease, then a live worker, refuse the copy; once both are gone it goes ahead.
    static func aLiveOwnerOrWorkerStopsTheCopy(_ direction: CopyDirection) async throws {
        try await BackendFixture.with(direction.from) { from in
            try await BackendFixture.with(direction.to) { to in
                let engine = try await from.engine()
                _ = try await engine.start(CopiedWorkflows.succeeding(), id: "done", input: Empty())
                _ = try await engine.start(
                    CopiedWorkflows.waitingForCondition(), id: "held", input: Empty(),
                    options: RunOptions(maxIdleWait: .zero))
                try await from.rawSQL(
                    "UPDATE runs SET lease_owner = 'host-z:7:z', lease_expires_at = 4102444800 WHERE id = 'held'")
                let source = try await from.backend(reading: true)
                let destination = try await to.backend()

                let held = await #expect(throws: EngineError.self) {
                    _ = try await JournalCopy.copyRuns(from: source, to: destination, at: Date())
                }
                #expect(held?.code == .runLeased)
                #expect(
                    held?.message.contains("'held' is being run by host-z:7:z") == true, "\(String(describing: held))")
                #expect(try await destination.fetchRuns(state: nil).isEmpty)

                try await from.rawSQL("UPDATE runs SET lease_expires_at = 1 WHERE id = 'held'")
                try await from.backend().heartbeat(worker: "host-w:1:w", startedAt: Date(), now: Date())
                let serving = await #expect(throws: EngineError.self) {
                    _ = try await JournalCopy.copyRuns(from: source, to: destination, at: Date())
                }
                #expect(serving?.code == .runLeased)
                #expect(
                    serving?.message.contains("A worker (host-w:1:w) serves the journal") == true,
                    "\(String(describing: serving))")
                #expect(try await destination.fetchRuns(state: nil).isEmpty)

                try await from.backend().removeWorker("host-w:1:w")
                let report = try await JournalCopy.copyRuns(from: source, to: destination, at: Date())
                #expect(report.runs == ["done", "held"], "an expired lease is no obstacle")
                #expect(try await destination.fetchRun("held").leaseOwner == nil)
            }
        }
    }
}

/// The cases of ``JournalCopyTests`` to and from PostgreSQL.
@Suite(
    "Copying a journal to and from PostgreSQL", .timeLimit(.minutes(5)),
    .enabled(
        if: BackendKind.available.contains(.postgres),
        "ONBOARDING_TEST_POSTGRES is not set: the copies to and from PostgreSQL are left out (run them with `source .ci/postgres.sh && start_test_postgres`)"
    ))
struct JournalCopyPostgresTests {
    @Test(arguments: CopyDirection.withPostgres)
    func everyRunTaskEventAndMessageArrivesAndAParkedRunFinishesThere(_ direction: CopyDirection) async throws {
        try await JournalCopyTests.everyRunTaskEventAndMessageArrives(direction)
    }

    @Test(arguments: CopyDirection.withPostgres)
    func aDestinationHoldingARunIsRefusedAndLeftAsItWas(_ direction: CopyDirection) async throws {
        try await JournalCopyTests.aDestinationHoldingARunIsRefused(direction)
    }

    @Test(arguments: CopyDirection.withPostgres)
    func aChangedByteInTheSourceStopsTheCopyNamingTheRunAndTheDestinationGetsNoRun(_ direction: CopyDirection)
        async throws
    {
        try await JournalCopyTests.aChangedByteStopsTheCopy(direction)
    }

    @Test(arguments: CopyDirection.withPostgres)
    func aRunHeldByALiveOwnerOrALiveWorkerStopsTheCopy(_ direction: CopyDirection) async throws {
        try await JournalCopyTests.aLiveOwnerOrWorkerStopsTheCopy(direction)
    }
}
