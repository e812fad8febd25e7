import Foundation
import OnboardingEngine
import OnboardingEngineTesting
import Testing

@Suite("Parking: permissions, people, conditions, change windows")
struct ParkingTests {
    @Test func aMissingPermissionParksTheRunUntilGrantedAndResumed() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        let granted = Flag()
        let graph = try TaskGraph(
            workflow: "w",
            tasks: [
                ClosureTask(id: "import-domains", requiredPermissions: ["Domain.Read.All"]) { _ in
                    guard granted.isSet else { throw TaskInterruption.blocked(missing: ["Domain.Read.All"]) }
                    return NoOutput()
                },
                step("after", ["import-domains"]),
            ])
        let parked = try await harness.engine.start(graph, id: "r", input: Empty())
        #expect(parked.state == .blocked)
        #expect(parked.task("import-domains")?.park?.missingPermissions == ["Domain.Read.All"])
        #expect(parked.task("import-domains")?.park?.message.contains("Domain.Read.All") == true)
        #expect(try harness.journal.run("r").state == .blocked)

        granted.set()
        let resumed = try await harness.engine.resume("r", graph: graph)
        #expect(resumed.state == .succeeded)
    }

    @Test func aPersonsActionParksUntilConfirmed() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        let runs = Counter()
        let relay = ClosureTask(id: "enable-relay") { context in
            runs.increment()
            guard let confirmation = context.confirmation else {
                throw TaskInterruption.waitingForPerson(action: "Enable relay for contoso.com in the Essentials portal.")
            }
            runs.record("\(confirmation.actor): \(confirmation.note ?? "")")
            return NoOutput()
        }
        let graph = try TaskGraph(workflow: "w", tasks: [relay, step("done", ["enable-relay"])])
        let parked = try await harness.engine.start(graph, id: "r", input: Empty())
        #expect(parked.state == .waiting)
        #expect(parked.task("enable-relay")?.park == ParkReason(kind: .person, message: "Enable relay for contoso.com in the Essentials portal."))

        // Resuming without a confirmation re-runs nothing.
        let stillParked = try await harness.engine.resume("r", graph: graph)
        #expect(stillParked.state == .waiting)
        #expect(runs.value == 1)

        try await harness.engine.confirm("enable-relay", in: "r", actor: "alice", note: "relay on")
        let resumed = try await harness.engine.resume("r", graph: graph)
        #expect(resumed.state == .succeeded)
        #expect(runs.log == ["alice: relay on"])
        let confirmed = try harness.journal.events(of: "r").first { $0.action == "task.confirmed" }
        #expect(confirmed?.actor == "alice")
        #expect(confirmed?.reason == "relay on")
    }

    @Test func aConditionIsRecheckedOnScheduleWhileTheRunWaits() async throws {
        let harness = try Harness(configuration: quietLease)
        defer { harness.remove() }
        let spfUpdated = Flag()
        let checks = Counter()
        let spf = ClosureTask(id: "spf", effect: .readOnly) { _ in
            checks.increment()
            guard spfUpdated.isSet else {
                throw TaskInterruption.waitingForCondition("SPF does not include Essentials yet", recheckAfter: .seconds(60))
            }
            return NoOutput()
        }
        let graph = try TaskGraph(workflow: "w", tasks: [spf, step("enable-outbound", ["spf"])])
        let start = harness.clock.now()
        async let run = harness.engine.start(graph, input: Empty(), options: RunOptions(maxIdleWait: .seconds(300)))
        await harness.clock.waitForSleepers(atLeast: 2)
        #expect(harness.clock.nextDeadline == start.addingTimeInterval(60))
        harness.clock.advanceToNextDeadline()
        await eventually { checks.value == 2 && harness.clock.sleeperCount >= 2 }
        spfUpdated.set()
        harness.clock.advanceToNextDeadline()
        let result = try await run
        #expect(result.state == .succeeded)
        #expect(checks.value == 3)
    }

    @Test func shortRechecksOfAnUnmetConditionParkOnceTheIdleStretchExceedsMaxIdleWait() async throws {
        let harness = try Harness(configuration: quietLease)
        defer { harness.remove() }
        let checks = Counter()
        let consent = ClosureTask<NoOutput>(id: "consent", effect: .readOnly) { _ in
            checks.increment()
            throw TaskInterruption.waitingForCondition("no consent yet", recheckAfter: .seconds(30))
        }
        let graph = try TaskGraph(workflow: "w", tasks: [step("first"), consent])
        let start = harness.clock.now()
        async let run = harness.engine.start(graph, id: "r", input: Empty(), options: RunOptions(maxIdleWait: .seconds(100)))
        // Checked at 0, 30, 60 and 90 s; the next check (120 s) would make the idle stretch 120 s.
        for expected in 1...3 {
            await harness.clock.waitForSleepers(atLeast: 2)
            #expect(checks.value == expected)
            harness.clock.advanceToNextDeadline()
        }
        let parked = try await run
        #expect(parked.state == .waiting)
        #expect(checks.value == 4)
        #expect(harness.clock.now() == start.addingTimeInterval(90))
        #expect(parked.task("consent")?.nextAttemptAt == start.addingTimeInterval(120))
    }

    @Test func aLongConditionWaitParksAndResumeRechecksAtOnce() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        let spfUpdated = Flag()
        let spf = ClosureTask(id: "spf", effect: .readOnly) { _ in
            guard spfUpdated.isSet else {
                throw TaskInterruption.waitingForCondition("SPF does not include Essentials yet", recheckAfter: .seconds(3600))
            }
            return NoOutput()
        }
        let graph = try TaskGraph(workflow: "w", tasks: [spf])
        let parked = try await harness.engine.start(graph, id: "r", input: Empty(), options: RunOptions(maxIdleWait: .seconds(60)))
        #expect(parked.state == .waiting)
        #expect(parked.task("spf")?.park?.kind == .condition)
        #expect(parked.task("spf")?.nextAttemptAt == harness.clock.now().addingTimeInterval(3600))
        spfUpdated.set()
        #expect(try await harness.engine.resume("r", graph: graph).state == .succeeded)
    }

    @Test func mutatingTasksWaitForTheChangeWindowReadOnlyOnesDoNot() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        let order = Counter()
        let opens = harness.clock.now().addingTimeInterval(3600)
        let window = ChangeWindow(start: opens, end: opens.addingTimeInterval(7200))
        let graph = try TaskGraph(
            workflow: "w",
            tasks: [
                step("read-domains", counter: order, effect: .readOnly),
                step("create-connector", ["read-domains"], counter: order, effect: .mutating),
            ])
        let parked = try await harness.engine.start(
            graph, id: "r", input: Empty(), options: RunOptions(changeWindows: [window], maxIdleWait: .seconds(60)))
        #expect(parked.state == .waiting)
        #expect(order.log == ["read-domains"])
        #expect(parked.task("create-connector")?.park?.kind == .changeWindow)
        #expect(parked.task("create-connector")?.nextAttemptAt == opens)

        // Still closed: parks again without running the mutating task.
        #expect(try await harness.engine.resume("r", graph: graph).state == .waiting)
        #expect(order.log == ["read-domains"])

        harness.clock.advance(to: opens.addingTimeInterval(1))
        #expect(try await harness.engine.resume("r", graph: graph).state == .succeeded)
        #expect(order.log == ["read-domains", "create-connector"])
    }

    @Test func aShortWaitForTheWindowIsSleptThrough() async throws {
        let harness = try Harness(configuration: quietLease)
        defer { harness.remove() }
        let opens = harness.clock.now().addingTimeInterval(120)
        let options = RunOptions(changeWindows: [ChangeWindow(start: opens, end: opens.addingTimeInterval(600))], maxIdleWait: .seconds(300))
        async let run = harness.engine.start(try TaskGraph(workflow: "w", tasks: [step("mutate")]), input: Empty(), options: options)
        await harness.clock.waitForSleepers(atLeast: 2)
        #expect(harness.clock.nextDeadline == opens)
        harness.clock.advanceToNextDeadline()
        #expect(try await run.state == .succeeded)
    }
}
