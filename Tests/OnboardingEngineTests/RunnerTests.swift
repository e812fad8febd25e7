import Foundation
import MetricsTestKit
import OnboardingEngine
import OnboardingEngineTesting
import Testing

/// A lease long enough that its renewal timer never competes with the timers a test watches.
let quietLease = EngineConfiguration(leaseDuration: .seconds(30_000))

/// `count` independent tasks that each hold `gauge` for a few milliseconds, so its peak is the concurrency reached.
func gaugedTasks(_ count: Int, gauge: Counter) -> [ClosureTask<NoOutput>] {
    (0..<count).map { index in
        ClosureTask(id: TaskID("t\(index)")) { _ in
            gauge.enter()
            try await Task.sleep(for: .milliseconds(3))
            gauge.leave()
            return NoOutput()
        }
    }
}

@Suite("Runner: scheduling, outputs, concurrency, retries")
struct RunnerTests {
    @Test func runsInDependencyOrderAndPassesTypedOutputs() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        let order = Counter()
        let fetch = ClosureTask(id: "fetch", output: [String].self) { _ in
            order.record("fetch")
            return ["contoso.com", "fabrikam.com"]
        }
        let count = ClosureTask(id: "count", dependencies: ["fetch"], output: Int.self) { context in
            order.record("count")
            return try context.output(of: fetch).count
        }
        let report = ClosureTask(id: "report", dependencies: ["count", "fetch"], output: String.self) { context in
            order.record("report")
            return "\(try context.output(of: "count", as: Int.self)) domains"
        }
        let graph = try TaskGraph(workflow: "w", tasks: [report, count, fetch])
        let result = try await harness.engine.start(graph, input: Empty())
        #expect(result.state == .succeeded)
        #expect(order.log == ["fetch", "count", "report"])
        #expect(try result.output(of: report) == "2 domains")
        #expect(try harness.journal.run(result.runID).state == .succeeded)
        #expect(try harness.journal.run(result.runID).leaseOwner == nil)
    }

    @Test func aPlainErrorATaskThrowsReachesSupportInWordsNotAsASwiftDump() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        struct Domain: Decodable { var name: String }
        let read = ClosureTask(id: "read", retryPolicy: RetryPolicy(maxAttempts: 1)) { _ in
            try JSONDecoder().decode([Domain].self, from: Data(#"[{"id": "contoso.com"}]"#.utf8)).count
        }
        let result = try await harness.engine.start(try TaskGraph(workflow: "w", tasks: [read]), input: Empty())
        let message = try #require(result.task("read")?.lastError?.message)
        #expect(message.contains("the field '[0].name' is missing"), "\(message)")
        for swiftWord in ["DecodingError", "CodingKeys", "keyNotFound", "Swift."] {
            #expect(!message.contains(swiftWord), "\(message)")
        }
    }

    @Test func readingANonDependencyOutputFailsTheTaskPermanently() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        let graph = try TaskGraph(
            workflow: "w",
            tasks: [
                step("a"),
                ClosureTask(id: "b") { context in try context.output(of: "a", as: NoOutput.self) },
            ])
        let result = try await harness.engine.start(graph, input: Empty())
        #expect(result.state == .failed)
        #expect(result.task("b")?.lastError?.message.contains("not one of its dependencies") == true)
    }

    @Test(arguments: [1, 3, 5])
    func respectsTheRunsConcurrencyBound(limit: Int) async throws {
        let harness = try Harness()
        defer { harness.remove() }
        let gauge = Counter()
        let tasks = gaugedTasks(20, gauge: gauge)
        let graph = try TaskGraph(workflow: "w", tasks: tasks)
        let result = try await harness.engine.start(graph, input: Empty(), options: RunOptions(maxConcurrentTasks: limit))
        #expect(result.state == .succeeded)
        #expect(gauge.peak == limit)
    }

    @Test func manyRunsShareTheEnginesGlobalBound() async throws {
        let harness = try Harness(configuration: EngineConfiguration(maxConcurrentTasks: 3))
        defer { harness.remove() }
        let gauge = Counter()
        let tasks = gaugedTasks(12, gauge: gauge)
        let graph = try TaskGraph(workflow: "w", tasks: tasks)
        let states = try await withThrowingTaskGroup(of: RunState.self) { group in
            for tenant in 0..<4 {
                group.addTask {
                    try await harness.engine.start(
                        graph, id: RunID("tenant-\(tenant)"), input: Empty(), options: RunOptions(maxConcurrentTasks: 8)
                    ).state
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(states == Array(repeating: .succeeded, count: 4))
        #expect(gauge.peak == 3)
        #expect(try harness.journal.runs().count == 4)
    }

    @Test func retriesWithExponentialBackoffOnTheManualClock() async throws {
        let harness = try Harness(configuration: quietLease)
        defer { harness.remove() }
        let attempts = Counter()
        let flaky = ClosureTask(
            id: "flaky", retryPolicy: RetryPolicy(maxAttempts: 5, initialDelay: .seconds(10), multiplier: 2, jitter: 0)
        ) { context in
            attempts.increment()
            if context.attempt < 3 { throw TaskInterruption.retryable("HTTP 503 from Graph") }
            return NoOutput()
        }
        let graph = try TaskGraph(workflow: "w", tasks: [flaky])
        let start = harness.clock.now()
        async let run = harness.engine.start(graph, input: Empty())

        await harness.clock.waitForSleepers(atLeast: 2)
        #expect(harness.clock.nextDeadline == start.addingTimeInterval(10))
        #expect(attempts.value == 1)
        harness.clock.advanceToNextDeadline()
        await eventually { attempts.value == 2 && harness.clock.nextDeadline == start.addingTimeInterval(30) }
        #expect(harness.clock.nextDeadline == start.addingTimeInterval(30))  // 10 s, then 20 s more
        harness.clock.advanceToNextDeadline()

        let result = try await run
        #expect(result.state == .succeeded)
        #expect(attempts.value == 3)
        let events = try harness.journal.events(of: result.runID).map(\.action)
        #expect(events.filter { $0 == "task.retrying" }.count == 2)
        #expect(result.task("flaky")?.attempts == 3)
    }

    @Test func aServersRetryAfterIsHonoured() async throws {
        let harness = try Harness(configuration: quietLease)
        defer { harness.remove() }
        let attempts = Counter()
        let throttled = ClosureTask(id: "throttled", retryPolicy: RetryPolicy(initialDelay: .seconds(1), jitter: 0)) { _ in
            attempts.increment()
            if attempts.value == 1 { throw TaskInterruption.retryable("429 Too Many Requests", retryAfter: .seconds(120)) }
            return NoOutput()
        }
        let start = harness.clock.now()
        async let run = harness.engine.start(try TaskGraph(workflow: "w", tasks: [throttled]), input: Empty())
        await harness.clock.waitForSleepers(atLeast: 2)
        #expect(harness.clock.nextDeadline == start.addingTimeInterval(120))
        harness.clock.advanceToNextDeadline()
        #expect(try await run.state == .succeeded)
    }

    @Test func backoffIsCappedAndJittered() {
        let policy = RetryPolicy(initialDelay: .seconds(1), multiplier: 2, maxDelay: .seconds(60), jitter: 0.2)
        #expect(policy.delay(afterAttempt: 1, unitRandom: 0.5) == .seconds(1))
        #expect(policy.delay(afterAttempt: 4, unitRandom: 0.5) == .seconds(8))
        #expect(policy.delay(afterAttempt: 20, unitRandom: 0.5) == .seconds(60))
        #expect(policy.delay(afterAttempt: 4, unitRandom: 0) == .seconds(6.4))
        #expect(policy.delay(afterAttempt: 4, unitRandom: 1) == .seconds(9.6))
        #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(30), unitRandom: 0.5) == .seconds(30))
    }

    @Test func givesUpAfterMaxAttemptsAndSaysSo() async throws {
        let harness = try Harness(configuration: quietLease)
        defer { harness.remove() }
        let always = ClosureTask(id: "always", retryPolicy: RetryPolicy(maxAttempts: 3, initialDelay: .seconds(1), jitter: 0)) {
            _ -> NoOutput in
            struct Boom: Error {}
            throw Boom()
        }
        let graph = try TaskGraph(workflow: "w", tasks: [always, step("after", ["always"])])
        async let run = harness.engine.start(graph, input: Empty())
        for _ in 0..<2 {
            await harness.clock.waitForSleepers(atLeast: 2)
            harness.clock.advanceToNextDeadline()
        }
        let result = try await run
        #expect(result.state == .failed)
        #expect(result.task("always")?.lastError?.message.hasPrefix("Gave up after 3 attempts") == true)
        #expect(result.task("after")?.state == .pending)
    }

    @Test func aPermanentFailureStopsItsBranchButNotOthers() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        let graph = try TaskGraph(
            workflow: "w",
            tasks: [
                ClosureTask(id: "entitlement") { _ -> NoOutput in
                    throw TaskInterruption.permanent("The integration is not in the org's package.", code: "notEntitled")
                },
                step("connectors", ["entitlement"]),
                step("independent"),
            ])
        let result = try await harness.engine.start(graph, input: Empty())
        #expect(result.state == .failed)
        #expect(result.task("entitlement")?.lastError == TaskErrorInfo(retryable: false, message: "The integration is not in the org's package.", code: "notEntitled"))
        #expect(result.task("connectors")?.state == .pending)
        #expect(result.task("independent")?.state == .succeeded)
    }

    @Test func checkpointsSurviveAFailedAttempt() async throws {
        let harness = try Harness(configuration: quietLease)
        defer { harness.remove() }
        let seen = Counter()
        let paging = ClosureTask(id: "paging", retryPolicy: RetryPolicy(initialDelay: .seconds(1), jitter: 0), output: Int.self) {
            context in
            let cursor = try await context.checkpoint(as: Int.self) ?? 0
            seen.record("start at \(cursor)")
            for page in cursor..<5 {
                try await context.saveCheckpoint(page + 1)
                if page == 2 && context.attempt == 1 { throw TaskInterruption.retryable("connection reset") }
            }
            return 5
        }
        async let run = harness.engine.start(try TaskGraph(workflow: "w", tasks: [paging]), input: Empty())
        await harness.clock.waitForSleepers(atLeast: 2)
        harness.clock.advanceToNextDeadline()
        #expect(try await run.state == .succeeded)
        #expect(seen.log == ["start at 0", "start at 3"])
    }

    @Test func eventsStreamReportsProgress() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        let events = harness.engine.events()
        let graph = try TaskGraph(workflow: "w", tasks: [step("a"), step("b", ["a"])])
        let result = try await harness.engine.start(graph, input: Empty())
        var kinds: [String] = []
        for await event in events {
            kinds.append("\(event.taskID?.rawValue ?? "run"):\(event.kind)")
            if case .runFinished = event.kind { break }
        }
        #expect(result.state == .succeeded)
        #expect(kinds == ["run:runStarted", "a:taskStarted", "a:taskSucceeded", "b:taskStarted", "b:taskSucceeded", "run:runFinished(succeeded)"])
    }

    @Test func cancellingTheCallerInterruptsTheRunWhichStaysResumable() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        let started = Flag()
        let finishes = Counter()
        let slow = ClosureTask(id: "slow") { _ in
            started.set()
            try await Task.sleep(for: .seconds(60))
            return NoOutput()
        }
        let graph = try TaskGraph(workflow: "w", tasks: [step("first"), slow])
        let run = Task { try await harness.engine.start(graph, id: "r", input: Empty()) }
        await eventually { started.isSet }
        run.cancel()
        await #expect(throws: CancellationError.self) { try await run.value }
        #expect(try harness.journal.run("r").state == .running)
        #expect(try harness.journal.run("r").leaseOwner == nil)
        #expect(try harness.journal.tasks(of: "r").first { $0.id == "slow" }?.state == .pending)

        let quick = ClosureTask(id: "slow") { _ in
            finishes.increment()
            return NoOutput()
        }
        let resumed = try await harness.engine.resume("r", graph: try TaskGraph(workflow: "w", tasks: [step("first"), quick]))
        #expect(resumed.state == .succeeded)
        #expect(finishes.value == 1)
    }
}


@Suite("Metrics")
struct MetricsTests {
    @Test func countsAttemptsOutcomesAndCommits() async throws {
        let metrics = TestMetrics()
        let harness = try Harness(configuration: EngineConfiguration(leaseDuration: .seconds(30_000), metricsFactory: metrics))
        defer { harness.remove() }
        let flaky = ClosureTask(id: "flaky", retryPolicy: RetryPolicy(initialDelay: .seconds(1), jitter: 0)) { context in
            if context.attempt == 1 { throw TaskInterruption.retryable("503") }
            return NoOutput()
        }
        async let run = harness.engine.start(try TaskGraph(workflow: "w", tasks: [step("a"), flaky]), input: Empty())
        await harness.clock.waitForSleepers(atLeast: 2)
        harness.clock.advanceToNextDeadline()
        #expect(try await run.state == .succeeded)
        #expect(metrics.counterTotal(label: "onboarding_task_attempts_total") == 3)
        #expect(metrics.counterTotal(label: "onboarding_tasks_total", dimensions: [("outcome", "succeeded")]) == 2)
        #expect(metrics.counterTotal(label: "onboarding_tasks_total", dimensions: [("outcome", "retrying")]) == 1)
        #expect(metrics.counterTotal(label: "onboarding_journal_commits_total") >= 3)
        #expect(try metrics.expectTimer("onboarding_task_duration", [("task", "a")]).values.count == 1)
        #expect(try metrics.expectTimer("onboarding_task_duration", [("task", "flaky")]).values.count == 2)
    }
}
