import Foundation
import OnboardingEngine
import OnboardingEngineTesting
import Testing

/// Listing runs by filter, paging, counts by state, and the fleet summary: the same answers from
/// every journal backend (the support console's reads).
@Suite("Journal backends: listing and filtering runs")
struct RunListingConformanceTests {
    /// Six runs, oldest first: failed at `a` (E1), waiting at `b`, succeeded (other workflow), blocked
    /// at `a`, failed at `b` (E2), and one left running by a process that is gone (stalled).
    static func seed(_ fixture: BackendFixture) async throws -> Engine {
        let engine = try await fixture.engine()
        func graph(_ workflow: String, a: @escaping @Sendable () throws -> Void, b: @escaping @Sendable () throws -> Void)
            throws -> TaskGraph
        {
            try TaskGraph(
                workflow: workflow,
                tasks: [
                    ClosureTask(id: "a") { _ in try a(); return NoOutput() },
                    ClosureTask(id: "b", dependencies: ["a"]) { _ in try b(); return NoOutput() },
                    step("c", ["b"]),
                ])
        }
        let ok: @Sendable () throws -> Void = {}
        _ = try await engine.start(
            graph("w", a: { throw TaskInterruption.permanent("Graph said no.", code: "E1") }, b: ok), id: "r1-failed-a",
            input: ["tenant": "contoso", "org": "contoso.com"])
        _ = try await engine.start(
            graph("w", a: ok, b: { throw TaskInterruption.waitingForPerson(action: "Enable relay.") }), id: "r2-waiting-b",
            input: ["tenant": "fabrikam", "org": "fabrikam.com"])
        _ = try await engine.start(
            graph("other", a: ok, b: ok), id: "r3-succeeded", input: ["tenant": "Northwind", "org": "northwind.com"])
        _ = try await engine.start(
            graph("w", a: { throw TaskInterruption.blocked(missing: ["Domain.Read.All"]) }, b: ok), id: "r4-blocked-a",
            input: ["tenant": "tailspin", "org": "tailspin_toys.com"])
        _ = try await engine.start(
            graph("w", a: ok, b: { throw TaskInterruption.permanent("Exchange said no.", code: "E2") }), id: "r5-failed-b",
            input: ["tenant": "CONTOSO-EU", "org": "eu.contoso.com"])
        _ = try await engine.start(graph("w", a: ok, b: ok), id: "r6-stalled", input: ["tenant": "woodgrove", "org": "woodgrove.com"])
        // Its process died mid-run: marked running, no lease.
        try await fixture.rawSQL("UPDATE runs SET state = 'running', lease_owner = NULL, lease_expires_at = NULL WHERE id = 'r6-stalled'")
        return engine
    }

    static let fields = ["tenant", "org"]

    static func ids(_ page: RunPage) -> [String] { page.runs.map(\.id.rawValue) }

    @Test(arguments: BackendKind.available)
    func everyFilterSelectsTheRunsItNamesNewestFirst(_ kind: BackendKind) async throws {
        try await BackendFixture.with(kind) { fixture in
            let engine = try await Self.seed(fixture)
            let everything = try await engine.runs(matching: RunFilter(), limit: 100)
            #expect(Self.ids(everything) == ["r6-stalled", "r5-failed-b", "r4-blocked-a", "r3-succeeded", "r2-waiting-b", "r1-failed-a"])
            #expect(everything.total == 6)
            #expect(everything.countsByState == [.failed: 2, .waiting: 1, .succeeded: 1, .blocked: 1, .running: 1])

            let failed = try await engine.runs(matching: RunFilter(states: [.failed]))
            #expect(Self.ids(failed) == ["r5-failed-b", "r1-failed-a"])
            #expect(failed.total == 2)
            #expect(failed.countsByState == everything.countsByState, "counts ignore the state filter")
            #expect(Self.ids(try await engine.runs(matching: RunFilter(states: [.failed, .blocked]))) == ["r5-failed-b", "r4-blocked-a", "r1-failed-a"])

            #expect(Self.ids(try await engine.runs(matching: RunFilter(workflow: "other"))) == ["r3-succeeded"])
            let contoso = try await engine.runs(matching: RunFilter(search: "contoso", searchFields: Self.fields))
            #expect(Self.ids(contoso) == ["r5-failed-b", "r1-failed-a"], "search ignores case and reads the input")
            #expect(contoso.countsByState == [.failed: 2])
            #expect(Self.ids(try await engine.runs(matching: RunFilter(search: "r3-succ"))) == ["r3-succeeded"], "and the id")
            #expect(Self.ids(try await engine.runs(matching: RunFilter(search: "contoso"))).isEmpty, "only the fields named")
            #expect(
                Self.ids(try await engine.runs(matching: RunFilter(search: "eu.contoso", searchFields: ["org"]))) == ["r5-failed-b"])
            #expect(Self.ids(try await engine.runs(matching: RunFilter(search: "tailspin_", searchFields: Self.fields))) == ["r4-blocked-a"])
            #expect(Self.ids(try await engine.runs(matching: RunFilter(search: "contoso%", searchFields: Self.fields))).isEmpty, "% is literal")
            #expect(Self.ids(try await engine.runs(matching: RunFilter(search: "n_rthwind", searchFields: Self.fields))).isEmpty, "_ is literal")

            #expect(Self.ids(try await engine.runs(matching: RunFilter(task: "a"))) == ["r4-blocked-a", "r1-failed-a"])
            #expect(Self.ids(try await engine.runs(matching: RunFilter(task: "b"))) == ["r5-failed-b", "r2-waiting-b"])
            #expect(Self.ids(try await engine.runs(matching: RunFilter(states: [.failed], task: "b"))) == ["r5-failed-b"])
            #expect(Self.ids(try await engine.runs(matching: RunFilter(task: "c"))).isEmpty, "c never stopped a run")
            #expect(Self.ids(try await engine.runs(matching: RunFilter(errorCode: "E2"))) == ["r5-failed-b"])
            #expect(Self.ids(try await engine.runs(matching: RunFilter(errorCode: "E9"))).isEmpty)

            #expect(Self.ids(try await engine.runs(matching: RunFilter(stalled: true))) == ["r6-stalled"])
            let notStalled = try await engine.runs(matching: RunFilter(stalled: false), limit: 100)
            #expect(notStalled.total == 5 && !Self.ids(notStalled).contains("r6-stalled"))
        }
    }

    @Test(arguments: BackendKind.available)
    func aFailedRunIsListedAtItsFailedTaskEvenWhenAnEarlierTaskWaits(_ kind: BackendKind) async throws {
        try await BackendFixture.with(kind) { fixture in
            let engine = try await fixture.engine()
            // Two branches: the first waits for a person, the second, later in the graph, fails.
            let graph = try TaskGraph(
                workflow: "w",
                tasks: [
                    ClosureTask(id: "relay") { _ -> NoOutput in throw TaskInterruption.waitingForPerson(action: "Enable relay.") },
                    ClosureTask(id: "domains") { _ -> NoOutput in throw TaskInterruption.permanent("Graph said no.", code: "E1") },
                ])
            let result = try await engine.start(graph, id: "r", input: ["tenant": "contoso"])
            #expect(result.state == .failed)
            let listing = try #require(try await engine.runs(matching: RunFilter()).runs.first)
            #expect(listing.attention?.task == "domains", "the failure, not the wait, is where it stopped")
            #expect(listing.attention?.state == .failed)
            #expect(listing.attention?.error?.code == "E1")
        }
    }

    @Test(arguments: BackendKind.available)
    func aPageSaysWhereEachRunStoppedAndPagesDoNotOverlap(_ kind: BackendKind) async throws {
        try await BackendFixture.with(kind) { fixture in
            let engine = try await Self.seed(fixture)
            let first = try await engine.runs(matching: RunFilter(), limit: 4)
            let second = try await engine.runs(matching: RunFilter(), limit: 4, offset: 4)
            #expect(Self.ids(first) == ["r6-stalled", "r5-failed-b", "r4-blocked-a", "r3-succeeded"])
            #expect(Self.ids(second) == ["r2-waiting-b", "r1-failed-a"])
            #expect(first.total == 6 && second.total == 6)
            #expect(try await engine.runs(matching: RunFilter(), limit: 4, offset: 8).runs.isEmpty)

            let byID = Dictionary(uniqueKeysWithValues: (first.runs + second.runs).map { ($0.id.rawValue, $0) })
            let failedB = try #require(byID["r5-failed-b"])
            #expect(failedB.attention?.task == "b")
            #expect(failedB.attention?.state == .failed)
            #expect(failedB.attention?.error?.code == "E2")
            #expect(failedB.attention?.error?.message == "Exchange said no.")
            #expect(failedB.summary.taskCounts == [.succeeded: 1, .failed: 1, .pending: 1])
            #expect(failedB.summary.workflow == "w" && failedB.summary.state == .failed && !failedB.stalled)
            let input = try JSONDecoder().decode([String: String].self, from: Data(failedB.input))
            #expect(input["org"] == "eu.contoso.com")
            #expect(byID["r2-waiting-b"]?.attention?.state == .waiting)
            #expect(byID["r4-blocked-a"]?.attention?.state == .blocked)
            #expect(byID["r3-succeeded"]?.attention == nil)
            #expect(byID["r6-stalled"]?.stalled == true)
        }
    }

    @Test(arguments: BackendKind.available)
    func theFleetSummaryCountsWhereUnfinishedRunsStopped(_ kind: BackendKind) async throws {
        try await BackendFixture.with(kind) { fixture in
            let engine = try await Self.seed(fixture)
            let fleet = try await engine.fleetSummary()
            #expect(fleet.map { "\($0.workflow) \($0.task) \($0.state) \($0.runs)/\($0.workflowRuns)" } == [
                "w a blocked 1/5", "w a failed 1/5", "w b failed 1/5", "w b waiting 1/5",
            ])
            let oldest = try #require(fleet.first { $0.task == "b" && $0.state == .waiting }).oldestSince
            let waitingTask = try #require(try await engine.tasks(of: "r2-waiting-b").first { $0.id == "b" })
            #expect(abs(oldest.timeIntervalSince(waitingTask.updatedAt)) < 0.001)

            try await engine.cancel("r2-waiting-b", actor: "ops", reason: "withdrawn")
            #expect(try await engine.fleetSummary().count == 3, "a cancelled run is not waiting anywhere")
        }
    }
}
