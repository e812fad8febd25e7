import Foundation
import OnboardingEngine
import OnboardingEngineTesting
import Testing

@Suite("Plans, dry runs and the permission preflight")
struct PlanTests {
    /// A connector task whose observe reports a difference; `runs` counts calls to `run`.
    static func graph(runs: Counter) throws -> TaskGraph {
        try TaskGraph(
            workflow: "w",
            tasks: [
                ClosureTask(
                    id: "domains", requiredPermissions: ["Domain.Read.All"], effect: .readOnly, output: [String].self,
                    observe: { _ in .satisfied }
                ) { _ in
                    runs.increment()
                    return ["contoso.com"]
                },
                ClosureTask(
                    id: "connector", dependencies: ["domains"], requiredPermissions: ["Exchange.ManageAsApp"],
                    observe: { context in
                        let domains = try context.output(of: "domains", as: [String].self)
                        return .wouldChange(["create inbound connector for \(domains.joined(separator: ", "))"])
                    }
                ) { _ in
                    runs.increment()
                    return NoOutput()
                },
            ])
    }

    @Test func aPlanForANewRunObservesButNeverRuns() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        let runs = Counter()
        let plan = try await harness.engine.plan(try Self.graph(runs: runs), input: Empty())
        #expect(runs.value == 0)
        #expect(plan.entries.map(\.id) == ["domains", "connector"])
        #expect(plan.entries.allSatisfy { $0.wouldRun })
        #expect(plan.entries[0].observation == .satisfied)
        // Without the dependency's output the connector cannot tell.
        #expect(plan.entries[1].observation?.status == .unknown)
        #expect(plan.requiredPermissions == ["Domain.Read.All", "Exchange.ManageAsApp"])
        #expect(try harness.journal.runs().isEmpty)
    }

    @Test func aPlanOfAJournaledRunUsesItsOutputs() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        let gate = Flag()
        let graph = try TaskGraph(
            workflow: "w",
            tasks: [
                ClosureTask(id: "domains", effect: .readOnly, output: [String].self) { _ in ["contoso.com"] },
                ClosureTask(
                    id: "connector", dependencies: ["domains"],
                    observe: { context in
                        .wouldChange(["create connector for \(try context.output(of: "domains", as: [String].self)[0])"])
                    }
                ) { _ in
                    guard gate.isSet else { throw TaskInterruption.waitingForPerson(action: "approve") }
                    return NoOutput()
                },
            ])
        _ = try await harness.engine.start(graph, id: "r", input: Empty())
        let plan = try await harness.engine.plan(graph, run: "r", input: Empty())
        #expect(plan.entries[0].state == .succeeded)
        #expect(plan.entries[0].wouldRun == false)
        #expect(plan.entries[1].state == .waiting)
        #expect(plan.entries[1].observation == .wouldChange(["create connector for contoso.com"]))
    }

    @Test func aDryRunNeverCallsRunAndStaysDryWhenResumed() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        let runs = Counter()
        let graph = try Self.graph(runs: runs)
        let result = try await harness.engine.start(graph, id: "dry", input: Empty(), options: RunOptions(dryRun: true))
        #expect(result.state == .succeeded)
        #expect(runs.value == 0)
        #expect(result.tasks.map(\.state) == [.observed, .observed])
        #expect(result.task("domains")?.observation == .satisfied)

        try await harness.engine.retry(from: "domains", in: "dry", actor: "bob", reason: "again")
        let resumed = try await harness.engine.resume("dry", graph: graph)
        #expect(resumed.tasks.map(\.state) == [.observed, .observed])
        #expect(runs.value == 0)
    }

    @Test func preflightReportsMissingPermissionsPerTask() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        let report = try await harness.engine.preflight(try Self.graph(runs: Counter()), granted: ["Domain.Read.All"])
        #expect(!report.isSatisfied)
        #expect(report.missing == ["Exchange.ManageAsApp"])
        #expect(report.entries.map(\.missing) == [[], ["Exchange.ManageAsApp"]])
    }

    @Test func preflightOfARunCountsOnlyTheRemainingTasks() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        let graph = try TaskGraph(
            workflow: "w",
            tasks: [
                ClosureTask(id: "a", requiredPermissions: ["A"]) { _ in NoOutput() },
                ClosureTask(id: "b", dependencies: ["a"], requiredPermissions: ["B"]) { _ -> NoOutput in
                    throw TaskInterruption.blocked(missing: ["B"])
                },
            ])
        _ = try await harness.engine.start(graph, id: "r", input: Empty())
        let report = try await harness.engine.preflight(graph, run: "r", granted: [])
        #expect(report.required == ["B"])
        #expect(report.entries.map(\.id) == ["b"])
    }
}

@Suite("Scheduled drift checks")
struct DriftCheckTests {
    @Test func aDriftCheckJournalsWhatItFoundAndChangesNothing() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        let drifted = Flag()
        let connector = ClosureTask(
            id: "connector", effect: .mutating,
            observe: { _ in drifted.isSet ? .wouldChange(["enable the connector"]) : .satisfied }
        ) { _ in NoOutput() }
        let graph = try TaskGraph(workflow: "w", tasks: [connector])
        _ = try await harness.engine.start(graph, id: "r", input: Empty())

        try await harness.engine.checkDrift(graph, run: "r", actor: "drift-monitor")
        drifted.set()
        let plan = try await harness.engine.checkDrift(graph, run: "r", actor: "drift-monitor")
        #expect(plan.drifted.map(\.id) == ["connector"])
        let events = try harness.journal.events(of: "r").suffix(2)
        #expect(events.map(\.action) == ["run.drift-clean", "run.drift-found"])
        #expect(events.last?.reason == "connector: enable the connector")
        #expect(events.last?.actor == "drift-monitor")
        #expect(try harness.journal.run("r").state == .succeeded, "a check changes nothing")
        #expect(try harness.journal.tasks(of: "r").map(\.state) == [.succeeded])
    }
}
