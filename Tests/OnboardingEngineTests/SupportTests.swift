import Foundation
import OnboardingEngine
import OnboardingEngineTesting
import Testing

@Suite("Support actions and graph changes")
struct SupportTests {
    @Test func retryingAFailedTaskRunsItAgainWithAFreshBudget() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        let fixed = Flag()
        let graph = try TaskGraph(
            workflow: "w",
            tasks: [
                ClosureTask(id: "consent") { _ in
                    guard fixed.isSet else { throw TaskInterruption.permanent("AADSTS65001: consent missing", code: "AADSTS65001") }
                    return NoOutput()
                },
                step("after", ["consent"]),
            ])
        #expect(try await harness.engine.start(graph, id: "r", input: Empty()).state == .failed)
        fixed.set()
        try await harness.engine.retry("consent", in: "r", actor: "carol", reason: "admin consented")
        let resumed = try await harness.engine.resume("r", graph: graph, options: ResumeOptions(actor: "carol"))
        #expect(resumed.state == .succeeded)
        let timeline = try harness.journal.events(of: "r")
        let request = try #require(timeline.first { $0.action == "task.retry-requested" })
        #expect(request.actor == "carol")
        #expect(request.reason == "admin consented")
        #expect(timeline.contains { $0.action == "run.resumed" && $0.actor == "carol" })
    }

    @Test func retryFromRerunsTheTaskAndEverythingDownstream() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        let order = Counter()
        let graph = try TaskGraph(
            workflow: "w",
            tasks: [step("a", counter: order), step("b", ["a"], counter: order), step("c", ["b"], counter: order), step("d", counter: order)])
        _ = try await harness.engine.start(graph, id: "r", input: Empty())
        try await harness.engine.retry(from: "b", in: "r", actor: "dan", reason: "connector deleted by hand")
        #expect(try harness.journal.tasks(of: "r").map(\.state) == [.succeeded, .pending, .pending, .succeeded])
        #expect(try await harness.engine.resume("r", graph: graph).state == .succeeded)
        #expect(order.log.count == 6)
        #expect(Array(order.log.suffix(2)) == ["b", "c"])
    }

    @Test func skippingNeedsAnOutputWhenADependentReadsIt() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        let graph = try TaskGraph(
            workflow: "w",
            tasks: [
                ClosureTask(id: "tenant", output: String.self) { _ in throw TaskInterruption.permanent("lookup failed") },
                ClosureTask(id: "use", dependencies: ["tenant"], output: String.self) { context in
                    "using \(try context.output(of: "tenant", as: String.self))"
                },
                ClosureTask(id: "optional") { _ -> NoOutput in throw TaskInterruption.permanent("not needed") },
                step("after-optional", ["optional"]),
            ])
        _ = try await harness.engine.start(graph, id: "r", input: Empty())

        let refused = await #expect(throws: EngineError.self) {
            try await harness.engine.skip("tenant", in: "r", graph: graph, actor: "erin", reason: "set by hand")
        }
        #expect(refused?.code == .outputRequired)
        #expect(refused?.message.contains("use") == true)
        let invalid = await #expect(throws: EngineError.self) {
            try await harness.engine.skip("tenant", in: "r", graph: graph, output: Array("42".utf8), actor: "erin", reason: "x")
        }
        #expect(invalid?.code == .invalidValue)

        try await harness.engine.skip("tenant", in: "r", graph: graph, output: Array("\"t-123\"".utf8), actor: "erin", reason: "looked up by hand")
        try await harness.engine.skip("optional", in: "r", graph: graph, actor: "erin", reason: "customer declined")
        let result = try await harness.engine.resume("r", graph: graph)
        #expect(result.state == .succeeded)
        #expect(try result.task("use")?.decodeOutput(as: String.self) == "using t-123")
        let skip = try #require(try harness.journal.events(of: "r").first { $0.action == "task.skipped" && $0.taskID == "optional" })
        #expect(skip.actor == "erin")
        #expect(skip.reason == "customer declined")
    }

    @Test func confirmingATaskThatIsNotWaitingIsRefusedAndOneThatIsDoneWritesNothing() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        let graph = try TaskGraph(
            workflow: "w",
            tasks: [
                step("a"), ClosureTask(id: "b", dependencies: ["a"]) { _ -> NoOutput in throw TaskInterruption.permanent("x") },
                step("c", ["b"]),
            ])
        _ = try await harness.engine.start(graph, id: "r", input: Empty())
        let events = try harness.journal.events(of: "r").count
        for task: TaskID in ["b", "c"] {  // failed, pending: a confirmation cannot help them
            let error = await #expect(throws: EngineError.self) { try await harness.engine.confirm(task, in: "r", actor: "x") }
            #expect(error?.code == .invalidState)
        }
        await #expect(try harness.engine.confirm("a", in: "r", actor: "x") == .alreadyDone)
        #expect(try harness.journal.events(of: "r").count == events)
    }

    @Test func unknownRunsAndTasksAreClearErrors() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        let graph = try TaskGraph(workflow: "w", tasks: [step("a")])
        let noRun = await #expect(throws: EngineError.self) { try await harness.engine.resume("nope", graph: graph) }
        #expect(noRun?.code == .unknownRun)
        #expect(noRun?.message.contains("nope") == true)
        _ = try await harness.engine.start(graph, id: "r", input: Empty())
        let noTask = await #expect(throws: EngineError.self) { try await harness.engine.retry("ghost", in: "r", actor: "x") }
        #expect(noTask?.code == .unknownTask)
        let duplicate = await #expect(throws: EngineError.self) { try await harness.engine.start(graph, id: "r", input: Empty()) }
        #expect(duplicate?.code == .runExists)
    }

    @Test func cancellingARunningRunStopsItAndResumeIsRefused() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        let started = Flag()
        let graph = try TaskGraph(
            workflow: "w",
            tasks: [
                ClosureTask(id: "slow") { _ in
                    started.set()
                    try await Task.sleep(for: .seconds(60))
                    return NoOutput()
                }
            ])
        async let run = harness.engine.start(graph, id: "r", input: Empty())
        await eventually { started.isSet }
        try await harness.engine.cancel("r", actor: "frank", reason: "customer churned")
        #expect(try await run.state == .cancelled)
        let cancelled = try #require(try harness.journal.events(of: "r").last)
        #expect(cancelled.action == "run.cancelled")
        #expect(cancelled.actor == "frank")
        let error = await #expect(throws: EngineError.self) { try await harness.engine.resume("r", graph: graph) }
        #expect(error?.code == .invalidState)
    }

    @Test func aChangedGraphIsRefusedWithADiffUnlessAccepted() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        let old = try TaskGraph(
            workflow: "w",
            tasks: [step("a"), ClosureTask(id: "b", dependencies: ["a"]) { _ -> NoOutput in throw TaskInterruption.permanent("x") }, step("gone")])
        _ = try await harness.engine.start(old, id: "r", input: Empty())
        let new = try TaskGraph(
            workflow: "w",
            tasks: [step("a"), ClosureTask(id: "b", version: 2, dependencies: ["a"]) { _ in NoOutput() }, step("added", ["b"])])

        let refused = await #expect(throws: EngineError.self) { try await harness.engine.resume("r", graph: new) }
        #expect(refused?.code == .graphChanged)
        #expect(refused?.graphDiff?.added == ["added"])
        #expect(refused?.graphDiff?.removed == ["gone"])
        #expect(refused?.graphDiff?.changed.map(\.id) == ["b"])
        #expect(refused?.message.contains("+ added") == true)
        #expect(try harness.journal.run("r").state == .failed)  // nothing was changed

        let result = try await harness.engine.resume("r", graph: new, options: ResumeOptions(acceptGraphChanges: true))
        #expect(result.state == .succeeded)
        #expect(result.tasks.map(\.id) == ["a", "b", "added"])
        #expect(try harness.journal.graph(of: "r").map(\.id) == ["a", "b", "added"])
        #expect(try harness.journal.events(of: "r").contains { $0.action == "run.graph-changed" })
    }
}

@Suite("startOrResume: an idempotent start for hosts that fan out runs")
struct StartOrResumeTests {
    struct Tenant: Codable, Sendable { var name: String }

    @Test func startsOnceThenResumesThenReturnsTheFinishedRun() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        let ready = Flag()
        let runs = Counter()
        let graph = try TaskGraph(
            workflow: "w",
            tasks: [
                ClosureTask(id: "a") { _ in
                    runs.increment()
                    guard ready.isSet else { throw TaskInterruption.waitingForPerson(action: "approve") }
                    return NoOutput()
                }
            ])
        let first = try await harness.engine.startOrResume(graph, id: "child", input: Tenant(name: "contoso"))
        #expect(first.state == .waiting)
        // Again, as a host restarted halfway through its fan-out would: the same run, resumed.
        let again = try await harness.engine.startOrResume(graph, id: "child", input: Tenant(name: "contoso"), actor: "host")
        #expect(again.state == .waiting)
        #expect(try harness.journal.runs().count == 1)
        #expect(try harness.journal.events(of: "child").contains { $0.action == "run.resumed" && $0.actor == "host" })

        ready.set()
        try await harness.engine.confirm("a", in: "child", actor: "p")
        #expect(try await harness.engine.startOrResume(graph, id: "child", input: Tenant(name: "contoso")).state == .succeeded)
        let count = runs.value
        let finished = try await harness.engine.startOrResume(graph, id: "child", input: Tenant(name: "contoso"))
        #expect(finished.state == .succeeded)
        #expect(runs.value == count, "a finished run is returned, not run again")
    }

    @Test func anExistingRunWithAnotherInputIsRefusedAndUntouched() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        let graph = try TaskGraph(workflow: "w", tasks: [step("a")])
        _ = try await harness.engine.startOrResume(graph, id: "child", input: Tenant(name: "contoso"))
        let events = try harness.journal.events(of: "child").count
        let error = await #expect(throws: EngineError.self) {
            try await harness.engine.startOrResume(graph, id: "child", input: Tenant(name: "fabrikam"))
        }
        #expect(error?.code == .runExists)
        #expect(error?.message.contains("another input") == true)
        #expect(try harness.journal.events(of: "child").count == events)
    }
}
