import Foundation
import InMemoryTracing
import Logging
import MetricsTestKit
import OnboardingEngine
import OnboardingEngineTesting
import Testing
import Tracing

@Suite("Tracing and per-task metrics")
struct TracingTests {
    @Test func aRunIsASpanEachAttemptASpanInItAndWhatTasksCallNestsInTheAttempt() async throws {
        let temporary = try TemporaryJournal()
        defer { temporary.remove() }
        let tracer = InMemoryTracer()
        let engine = Engine(
            journal: temporary.journal, clock: ManualClock(), logger: Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() }),
            tracer: tracer)
        let fetch = ClosureTask(id: "fetch", output: Int.self) { _ in
            // What a task calls (an HTTP client, say) starts its spans from the current context.
            tracer.withSpan("GET /domains", ofKind: .client) { _ in 3 }
        }
        let approve = ClosureTask(id: "approve", dependencies: ["fetch"], output: NoOutput.self) { _ in
            throw TaskInterruption.waitingForPerson(action: "Approve.")
        }
        let result = try await engine.start(try TaskGraph(workflow: "traced", tasks: [fetch, approve]), id: "r", input: Empty())
        #expect(result.state == .waiting)

        let spans = tracer.finishedSpans
        let run = try #require(spans.first { $0.operationName == "onboarding.run" })
        #expect(run.attributes["onboarding.run.id"]?.toSpanAttribute() == "r")
        #expect(run.attributes["onboarding.run.state"]?.toSpanAttribute() == "waiting")
        let attempts = spans.filter { $0.operationName == "onboarding.task" }
        #expect(attempts.count == 2)
        for attempt in attempts {
            #expect(attempt.parentSpanID == run.spanID, "an attempt nests in its run")
            #expect(attempt.traceID == run.traceID)
        }
        let fetched = try #require(attempts.first { $0.attributes["onboarding.task.id"]?.toSpanAttribute() == "fetch" })
        #expect(fetched.attributes["onboarding.task.outcome"]?.toSpanAttribute() == "succeeded")
        #expect(fetched.attributes["onboarding.task.attempt"]?.toSpanAttribute() == 1)
        let parked = try #require(attempts.first { $0.attributes["onboarding.task.id"]?.toSpanAttribute() == "approve" })
        #expect(parked.attributes["onboarding.task.outcome"]?.toSpanAttribute() == "waiting")
        #expect(parked.attributes["onboarding.park.reason"]?.toSpanAttribute() == "person")
        let call = try #require(spans.first { $0.operationName == "GET /domains" })
        #expect(call.parentSpanID == fetched.spanID, "the task's own calls nest in its attempt")
    }

    @Test func aFailedAttemptMarksItsSpanAsAnError() async throws {
        let temporary = try TemporaryJournal()
        defer { temporary.remove() }
        let tracer = InMemoryTracer()
        let engine = Engine(
            journal: temporary.journal, logger: Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() }), tracer: tracer)
        let broken = ClosureTask(id: "broken", output: NoOutput.self) { _ in
            throw TaskInterruption.permanent("The tenant does not exist.", code: "AADSTS90002")
        }
        _ = try await engine.start(try TaskGraph(workflow: "traced", tasks: [broken]), id: "r", input: Empty())
        let attempt = try #require(tracer.finishedSpans.first { $0.operationName == "onboarding.task" })
        #expect(attempt.status?.code == .error)
        #expect(attempt.attributes["onboarding.error.code"]?.toSpanAttribute() == "AADSTS90002")
        #expect(attempt.attributes["onboarding.task.outcome"]?.toSpanAttribute() == "failed")
    }

    @Test func theDurationMetricHasATaskDimension() async throws {
        let metrics = TestMetrics()
        let temporary = try TemporaryJournal()
        defer { temporary.remove() }
        let engine = Engine(
            journal: temporary.journal, configuration: EngineConfiguration(metricsFactory: metrics),
            logger: Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() }))
        _ = try await engine.start(try TaskGraph(workflow: "m", tasks: [step("a"), step("b", ["a"])]), id: "r", input: Empty())
        for task in ["a", "b"] {
            let timer = try metrics.expectTimer("onboarding_task_duration", [("task", task)])
            #expect(timer.values.count == 1, "one attempt of \(task)")
        }
    }
}

@Suite("Event streams", .timeLimit(.minutes(1)))
struct EventStreamTests {
    @Test func aSubscriberThatDoesNotReadKeepsOnlyTheNewestEventsAndItsStreamEndsWithTheEngine() async throws {
        // Durability is not what this test is about: 3,000 fsyncs on a loaded machine would be.
        let temporary = try TemporaryJournal(options: JournalOptions(durability: .normal))
        defer { temporary.remove() }
        var engine: Engine? = Engine(
            journal: temporary.journal, logger: Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() }))
        let events = engine!.events()
        // 3,000 tasks: about 6,000 events (started, succeeded) while nobody reads.
        let tasks = (0..<3_000).map { step(TaskID("t\($0)")) }
        _ = try await engine!.start(try TaskGraph(workflow: "many", tasks: tasks), id: "r", input: Empty())
        engine = nil  // the stream ends once the engine is gone
        var received = 0
        for await _ in events { received += 1 }
        #expect(received == 4_096, "bounded: the oldest were dropped (\(received))")
    }
}
