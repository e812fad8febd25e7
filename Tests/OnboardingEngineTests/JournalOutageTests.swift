import Foundation
import Logging
import OnboardingEngine
import OnboardingEngineTesting
import Synchronization
import Testing

private let quiet = Logger(label: "outage-test", factory: { _ in SwiftLogNoOpLogHandler() })

/// A journal that stops answering (a database restarted, a network cut), seen through
/// ``ForwardedBackend``'s outage switch: the engine under test is real, only the journal's
/// availability is made.
@Suite("A journal that stops answering", .timeLimit(.minutes(1)))
struct JournalOutageTests {
    @Test func aRunWhoseLeaseCannotBeRenewedStopsItsTasksBeforeTheLeaseCouldLapse() async throws {
        let temporary = try TemporaryJournal()
        defer { temporary.remove() }
        let backend = ForwardedBackend(journal: try temporary.reopen())
        // The engine's time is a manual clock: renewals, the lease's expiry and the decision to
        // stop are all read from it, so the test holds however loaded the machine is.
        let clock = ManualClock()
        let engine = Engine(
            backend: backend, configuration: EngineConfiguration(leaseDuration: .seconds(6), ownerID: "host-a:1:a"),
            clock: clock, logger: quiet)
        let started = Counter()
        let hold = Flag()
        hold.set(true)
        let stopped = Flag()
        let graph = try TaskGraph(
            workflow: "w",
            tasks: [
                ClosureTask(id: "slow") { _ -> NoOutput in
                    started.increment()
                    do {
                        while hold.isSet { try await Task.sleep(for: .milliseconds(10)) }
                    } catch {
                        stopped.set(true)
                        throw error
                    }
                    return NoOutput()
                }
            ])
        _ = try await engine.submit(graph, id: "r", input: Empty())
        let execution = Task { try await engine.resume("r", graph: graph) }
        while started.value == 0 { try await Task.sleep(for: .milliseconds(5)) }
        let leaseTaken = clock.now()

        // The clock moves from one deadline somebody sleeps until (the lease keeper's ticks) to
        // the next, never past `seconds`, and waits until the woken sleepers sleep again: each
        // tick is handled at its own instant however slowly a loaded machine schedules it.
        func advance(to seconds: Double) async {
            let target = leaseTaken.addingTimeInterval(seconds)
            while clock.now() < target {
                let sleeping = clock.sleeperCount
                clock.advance(to: min(clock.nextDeadline ?? target, target))
                for _ in 0..<400 where clock.sleeperCount < max(sleeping, 1) {
                    try? await Task.sleep(for: .milliseconds(5))
                }
            }
        }
        // One renewal succeeds (at 2 s); then the journal stops answering.
        let taken = try #require(try await engine.run("r").leaseExpiresAt)
        var renewed = taken
        var waited = 2.0
        while renewed == taken, waited < 4 {
            await advance(to: waited)
            renewed = try #require(try await engine.run("r").leaseExpiresAt)
            waited += 0.25
        }
        #expect(renewed > taken, "the lease was renewed while the journal answered")
        backend.outage.set(true)
        // Still running more than a second before the journal's expiry…
        await advance(to: renewed.timeIntervalSince(leaseTaken) - 1.6)
        try await Task.sleep(for: .milliseconds(100))
        #expect(!stopped.isSet, "not stopped while more than a sixth of the lease is left")
        // …and stopped before it: from five sixths of the lease after the renewal, at the next tick.
        await advance(to: renewed.timeIntervalSince(leaseTaken) - 0.5)
        // The attempt is interrupted before the lease could lapse (time going on, never to the
        // lease's expiry, for whatever the run waits on the clock for; at most 30 s of real time).
        let expiry = renewed
        let ticking = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(20))
                if clock.now() < expiry.addingTimeInterval(-0.1) { clock.advance(by: .milliseconds(20)) }
            }
        }
        defer { ticking.cancel() }
        let deadline = Date().addingTimeInterval(30)
        while !stopped.isSet, Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
        ticking.cancel()
        #expect(stopped.isSet, "the attempt was interrupted")
        #expect(clock.now() < renewed, "the run stopped while the lease the journal holds was still this engine's")
        // Read past the outage, on a connection of its own: nothing was written while the journal was down.
        let record = try temporary.journal.run("r")
        #expect(record.leaseOwner == "host-a:1:a", "nothing was written while the journal was down")
        #expect(record.leaseExpiresAt == renewed)
        // The journal answers again: the call that ran the run ends, saying why, once what it
        // waits on the clock for (a journal call tried again later) comes.
        backend.outage.set(false)
        let windingDown = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(20))
                clock.advance(by: .milliseconds(100))
            }
        }
        defer { windingDown.cancel() }
        // (This once did not return in a loaded full run: the lease ticker, cancelled while awake,
        // slept again on a manual clock that lost the cancellation. See ManualClockTests.)
        let refused = await #expect(throws: EngineError.self) {
            try await abandoning(after: 30, "the run to stop") { try await execution.value }
        }
        #expect(refused?.code == .runLeased)
        #expect(refused?.message.contains("could not renew its lease") == true, "\(refused?.message ?? "")")
        windingDown.cancel()

        // Once the lease lapsed, another engine takes the run and finishes it.
        hold.set(false)
        clock.advance(by: .seconds(10))
        let other = Engine(
            journal: try temporary.reopen(), configuration: EngineConfiguration(ownerID: "host-b:2:b"), clock: clock, logger: quiet)
        #expect(try await abandoning(after: 30, "the other engine's resume") { try await other.resume("r", graph: graph) }.state == .succeeded)
    }

    @Test func aWorkerClaimsNothingWhileItsJournalIsDownAndAsksLessAndLessOften() async throws {
        let temporary = try TemporaryJournal()
        defer { temporary.remove() }
        let backend = ForwardedBackend(journal: try temporary.reopen())
        let engine = Engine(backend: backend, configuration: EngineConfiguration(ownerID: "host-a:1:a"), logger: quiet)
        let graph = try TaskGraph(workflow: "w", tasks: [step("a"), step("b", ["a"])])
        var registry = WorkflowRegistry()
        registry.register(graph.workflow) { _ in graph }
        let worker = OnboardingWorker(engine: engine, registry: registry, configuration: .init(pollInterval: .milliseconds(50)), logger: quiet)

        backend.outage.set(true)
        let serving = Task { try await worker.run() }
        defer { serving.cancel() }
        try await Task.sleep(for: .seconds(3))
        let asked = backend.calls.log
        #expect(!asked.contains("claimDue"), "nothing is claimed while the journal is down")
        // Polling every 50 ms would ask about 60 times; the backoff (0.25, 0.5, 1, 2 s) asks about 4.
        #expect(asked.filter { $0 == "heartbeat" }.count <= 6, "\(asked.count) asks in 3 s")

        // It answers again: the worker notices within its backoff and runs what is due.
        backend.outage.set(false)
        let submitter = Engine(journal: try temporary.reopen(), logger: quiet)
        _ = try await submitter.submit(graph, id: "r", input: Empty())
        let deadline = Date().addingTimeInterval(60)
        while try await submitter.run("r").state != .succeeded, Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try await submitter.run("r").state == .succeeded)
    }
}

/// A wait that took longer than a test allows.
private struct GaveUpWaiting: Error, CustomStringConvertible {
    var description: String
}

/// `operation`'s result, or ``GaveUpWaiting`` once `seconds` of real time passed without one; the
/// operation is then cancelled and left behind, so a test never waits forever.
private func abandoning<T: Sendable>(
    after seconds: Double, _ what: String, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let pending = Mutex<CheckedContinuation<T, any Error>?>(nil)
    let finish: @Sendable (Result<T, any Error>) -> Void = { result in
        pending.withLock { continuation in
            continuation?.resume(with: result)
            continuation = nil
        }
    }
    let timer = Mutex<Task<Void, Never>?>(nil)
    defer { timer.withLock { $0?.cancel() } }
    return try await withCheckedThrowingContinuation { continuation in
        pending.withLock { $0 = continuation }
        let started = Task {
            do { finish(.success(try await operation())) } catch { finish(.failure(error)) }
        }
        timer.withLock {
            $0 = Task {
                try? await Task.sleep(for: .seconds(seconds))
                guard !Task.isCancelled else { return }
                finish(.failure(GaveUpWaiting(description: "gave up waiting \(seconds) s for \(what)")))
                started.cancel()
            }
        }
    }
}
