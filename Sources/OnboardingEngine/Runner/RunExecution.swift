import Foundation
import Logging
import Tracing

/// What the runner's mailbox receives.
enum RunMessage: Sendable {
    /// An attempt ended.
    case finished(index: Int, outcome: AttemptOutcome, duration: Duration)
    /// A timer fired or a global permit was released: look again at what can start.
    case wake
    /// A person's confirmation or signal, written to the journal (its row is deleted in the
    /// commit that records its effect).
    case deliver(OwnerMessage)
    /// The worker is shutting down: start nothing new, let running attempts finish, then give
    /// the run back (lease released, still `running`) for another worker to continue at once.
    case drain
}

/// How one attempt of a task ended.
enum AttemptOutcome: Sendable {
    case succeeded([UInt8])
    case observed(Observation)
    case interrupted(TaskInterruption)
    case error(String)
    case cancelled
}

extension AttemptOutcome {
    /// Sets the attempt span's outcome attributes (and its status when it failed).
    func describe(on span: any Span) {
        let outcome: String
        switch self {
        case .succeeded: outcome = "succeeded"
        case .observed: outcome = "observed"
        case .cancelled: outcome = "cancelled"
        case .error(let message):
            outcome = "retryable"
            span.setStatus(SpanStatus(code: .error, message: message))
        case .interrupted(let interruption):
            switch interruption.kind {
            case .retryable: outcome = "retryable"
            case .permanent: outcome = "failed"
            case .blocked: outcome = "blocked"
            case .waitingForPerson: outcome = "waiting"
            case .waitingForCondition: outcome = "waiting"
            }
            if case .waitingForPerson = interruption.kind { span.attributes["onboarding.park.reason"] = "person" }
            if case .waitingForCondition = interruption.kind { span.attributes["onboarding.park.reason"] = "condition" }
            if case .blocked = interruption.kind { span.attributes["onboarding.park.reason"] = "permissions" }
            if let code = interruption.code { span.attributes["onboarding.error.code"] = code }
            if outcome == "failed" || outcome == "retryable" {
                span.setStatus(SpanStatus(code: .error, message: interruption.message))
            }
        }
        span.attributes["onboarding.task.outcome"] = outcome
    }
}

/// Executes one run: the scheduling loop, its journal batches and its child tasks.
///
/// All state lives in this object and is touched only by the loop (the runner task); child
/// tasks run attempts and post their outcomes to ``mailbox``. Each loop turn handles every
/// outcome that arrived, starts what became runnable, and journals all of it in one
/// transaction, so a task's completion and the starts it releases share a commit, and
/// completions that land together share one too. When exactly one task can run and nothing
/// else is in flight (a chain), the loop runs it inline instead of in a child task, which saves
/// two thread hops per task; the supervisor can still cancel it (see ``RunControl``).
final class RunExecution {
    let engine: Engine
    let graph: TaskGraph
    var run: RunRecord
    var records: [TaskRecord]
    let control: RunControl
    let mailbox: Mailbox<RunMessage>

    private var unfinishedDependencies: [Int]
    /// Runnable now, sorted descending so `popLast` yields the earliest in topological order.
    private var ready: [Int] = []
    private var readyNeedsSort = false
    /// Not runnable before an instant: backoff after a retryable failure, or a condition re-check.
    private var timed: [(at: Date, index: Int)] = []
    /// Tasks a confirmation or signal reached while they were being attempted, with the
    /// confirmation (`nil` for a signal): if the attempt ends still waiting — for a condition, or
    /// (confirmed) for a person — the task runs again at once, with the confirmation, instead of
    /// waiting for its next re-check or a confirmation the person already gave.
    private var askedDuringAttempt: [Int: Confirmation?] = [:]
    /// When a task last got anywhere (any outcome but a condition found still unmet): re-checks
    /// of conditions alone do not keep a run in the process past ``RunOptions/maxIdleWait``.
    private var lastProgressAt: Date
    /// Mutating tasks that are runnable but wait for a change window.
    private var windowDeferred: [Int] = []
    private var inFlight = 0
    /// Engine-wide permits this run holds: taken in ``selectStarts(now:)``, given back when an
    /// attempt's outcome is handled, and all given back when the execution ends on any path.
    private var permitsHeld = 0
    private var armedTimer: Date?
    private var waitingForPermit = false
    private var batch = JournalBatch()
    private var pendingEvents: [EngineEvent] = []
    private var cancellation: (actor: String, reason: String?)?
    private var interrupted = false
    private var leaseLost: EngineError?
    private var stopping: Bool { cancellation != nil || interrupted || leaseLost != nil }
    /// Set by ``RunMessage/drain``: no new attempts; the run is released once none is in flight.
    private var draining = false
    /// Journal messages already applied (the supervisor's poll may hand one over twice).
    private var seenMessages: Set<Int64> = []
    private let logger: Logger

    init(engine: Engine, graph: TaskGraph, run: RunRecord, records: [TaskRecord], control: RunControl) {
        self.engine = engine
        self.graph = graph
        self.run = run
        self.records = records
        self.control = control
        self.mailbox = control.runner
        var logger = engine.logger
        logger[metadataKey: "run.id"] = "\(run.id)"
        self.logger = logger
        unfinishedDependencies = graph.dependencyIndices.map { deps in
            deps.reduce(0) { $0 + (records[$1].state.releasesDependents ? 0 : 1) }
        }
        let now = engine.clock.now()
        lastProgressAt = now
        for index in records.indices where unfinishedDependencies[index] == 0 {
            enqueueIfRunnable(index, now: now, resuming: true)
        }
    }

    /// Puts a task whose dependencies are all done where it belongs: ready, timed, or nowhere
    /// (finished, failed, or waiting for a person's confirmation).
    private func enqueueIfRunnable(_ index: Int, now: Date, resuming: Bool) {
        let record = records[index]
        switch record.state {
        case .pending:
            if let at = record.nextAttemptAt, at > now { timed.append((at, index)) } else { markReady(index) }
        case .waiting where resuming:
            // On resume, conditions and change windows are re-checked at once; a person's
            // action only once it was confirmed.
            if record.park?.kind != .person || record.confirmation != nil { markReady(index) }
        case .blocked where resuming:
            markReady(index)  // the permissions may have been granted meanwhile
        default:
            break
        }
    }

    private func markReady(_ index: Int) {
        ready.append(index)
        readyNeedsSort = true
    }

    // MARK: - The loop

    func execute() async throws -> RunResult {
        // The group has awaited every attempt when it returns, so whatever permits are still held
        // (a commit that threw, a lost lease, a cancelled call) belong to no one: give them back.
        defer { releasePermits() }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            do {
                let result = try await loop(&group)
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    private func releasePermits() {
        while permitsHeld > 0 {
            permitsHeld -= 1
            engine.limiter.release()
        }
    }

    private func loop(_ group: inout ThrowingTaskGroup<Void, any Error>) async throws -> RunResult {
        var messages: [RunMessage] = []
        while true {
            noticeCancellation()
            let now = engine.clock.now()
            for message in messages { handle(message, now: now) }
            if stopping { group.cancelAll() }
            promoteDue(now: now)
            let starts = selectStarts(now: now)
            if leaseLost == nil { try await commit() }

            if starts.count == 1 && inFlight == 0 {
                // Alone: run it here rather than hop to a child task and back.
                let (index, attempt) = prepareAttempt(starts[0], now: now)
                let started = engine.clock.now()
                let outcome = await attempt()
                // Refilled in place: the array handled last turn is this one's buffer.
                messages.removeAll(keepingCapacity: true)
                messages.append(.finished(index: index, outcome: outcome, duration: elapsed(since: started)))
                messages += mailbox.take()
                continue
            }
            for index in starts { launch(index, group: &group, now: now) }

            if inFlight == 0 {
                if let leaseLost { throw leaseLost }
                if interrupted { try await finishInterrupted(now: now) }
                if let cancellation { return try await finishCancelled(cancellation, now: now) }
                if let result = try await finishOrPark(now: now) { return result }
                if draining { return try await finishDrained(now: now) }
            }
            armTimer(now: now, group: &group)
            if stopping {
                messages = await mailbox.nextIgnoringCancellation()
            } else {
                messages = await mailbox.next()
            }
        }
    }

    /// Once this task is cancelled, learns why from the supervisor: a person, a lost lease, or
    /// (no reason recorded) the host cancelling the call.
    private func noticeCancellation() {
        guard Task.isCancelled, !stopping else { return }
        switch control.stopReason {
        case .cancelled(let actor, let reason): cancellation = (actor, reason)
        case .leaseLost(let error): leaseLost = error
        case nil: interrupted = true
        }
    }

    private func elapsed(since start: Date) -> Duration {
        .seconds(max(0, engine.clock.now().timeIntervalSince(start)))
    }

    /// Builds the context for an attempt of task `index`, which was just marked started.
    private func prepareAttempt(_ index: Int, now: Date) -> (Int, @Sendable () async -> AttemptOutcome) {
        inFlight += 1
        let task = graph.tasks[index]
        let record = records[index]
        let context = TaskContext(
            runID: run.id, taskID: task.id, attempt: record.attempts, isDryRun: run.options.dryRun,
            confirmation: record.confirmation, logger: logger, clock: engine.clock,
            dependencies: task.dependencySet, outputs: dependencyOutputs(of: index), input: run.input,
            store: JournalContextStore(backend: engine.backend, runID: run.id, taskID: task.id, clock: engine.clock),
            crashPointHandler: engine.configuration.crashPointHandler)
        let dryRun = run.options.dryRun
        let tracer = engine.tracer
        let (runID, attempt) = (run.id, record.attempts)
        return (
            index,
            {
                await tracer.withSpan("onboarding.task", ofKind: .internal) { span in
                    // A span that records nothing (no tracer bootstrapped) drops what it is given:
                    // building its attributes would cost a dictionary and its strings per attempt.
                    let recording = span.isRecording
                    if recording {
                        span.attributes["onboarding.run.id"] = runID.rawValue
                        span.attributes["onboarding.task.id"] = task.id.rawValue
                        span.attributes["onboarding.task.attempt"] = attempt
                    }
                    let outcome = await RunExecution.attempt(task, context: context, dryRun: dryRun)
                    if recording { outcome.describe(on: span) }
                    return outcome
                }
            }
        )
    }

    /// The outputs of task `index`'s dependencies, from the records this execution holds.
    private func dependencyOutputs(of index: Int) -> [TaskID: [UInt8]] {
        var outputs: [TaskID: [UInt8]] = [:]
        for dependency in graph.dependencyIndices[index] {
            if let output = records[dependency].output { outputs[records[dependency].id] = output }
        }
        return outputs
    }

    private func launch(_ index: Int, group: inout ThrowingTaskGroup<Void, any Error>, now: Date) {
        let (index, attempt) = prepareAttempt(index, now: now)
        let mailbox = self.mailbox
        let clock = engine.clock
        group.addTask {
            let started = clock.now()
            let outcome = await attempt()
            let seconds = clock.now().timeIntervalSince(started)
            mailbox.post(.finished(index: index, outcome: outcome, duration: .seconds(max(0, seconds))))
        }
    }

    static func attempt(_ task: AnyTask, context: TaskContext, dryRun: Bool) async -> AttemptOutcome {
        if dryRun {
            do {
                return .observed(try await task.observe(context))
            } catch let error as EngineError {
                return .observed(.unknown(error.message))
            } catch {
                if Task.isCancelled { return .cancelled }
                return .observed(.unknown("observe failed: \(ErrorWords.describe(error))"))
            }
        }
        do {
            context.crashPoint("before-run")
            let output = try await task.run(context)
            context.crashPoint("after-run")
            return .succeeded(output)
        } catch let interruption as TaskInterruption {
            return .interrupted(interruption)
        } catch let error as EngineError where error.code != .invalidValue {
            // Reading a non-dependency's output and the like are programming errors: retrying won't help.
            return .interrupted(.permanent(error.message, code: error.code.name))
        } catch {
            if Task.isCancelled { return .cancelled }
            return .error(ErrorWords.describe(error))
        }
    }

    // MARK: - Handling outcomes

    private func handle(_ message: RunMessage, now: Date) {
        switch message {
        case .wake:
            armedTimer = armedTimer.flatMap { $0 <= now ? nil : $0 }
            waitingForPermit = false
        case .drain:
            draining = true
        case .deliver(let message):
            guard seenMessages.insert(message.sequence).inserted else { return }
            batch.consumedMessages.append(message.sequence)
            apply(message, now: now)
        case .finished(let index, let outcome, let duration):
            inFlight -= 1
            permitsHeld -= 1
            engine.limiter.release()
            engine.metrics.duration(of: graph.tasks[index].id).recordNanoseconds(Int64(duration.seconds * 1e9))
            finish(index, outcome, now: now)
        }
    }

    private func finish(_ index: Int, _ outcome: AttemptOutcome, now: Date) {
        var record = records[index]
        let taskID = graph.tasks[index].id  // only the id: copying the whole task retains its every field
        record.updatedAt = now
        record.consecutiveCrashes = 0
        var action: String
        var reason: String?
        var event: EngineEvent.Kind
        switch outcome {
        case .succeeded(let output):
            record.state = .succeeded
            record.output = output
            record.lastError = nil
            record.park = nil
            record.nextAttemptAt = nil
            (action, event) = ("task.succeeded", .taskSucceeded)
            engine.metrics.succeeded.increment()
        case .observed(let observation):
            record.state = .observed
            record.observation = observation
            (action, event) = ("task.observed", .taskSucceeded)
            reason = observation.status == .wouldChange ? observation.changes.joined(separator: "; ") : observation.status.rawValue
        case .cancelled:
            record.state = .pending
            record.attempts = max(0, record.attempts - 1)  // an interrupted attempt does not use up the budget
            (action, event, reason) = ("task.interrupted", .taskParked(.pending), "the host stopped the run")
        case .error(let message):
            (action, event, reason) = retryOrFail(
                &record, index: index, message: message, code: nil, retryAfter: nil, now: now)
        case .interrupted(let interruption):
            reason = interruption.message
            switch interruption.kind {
            case .retryable(let retryAfter):
                (action, event, reason) = retryOrFail(
                    &record, index: index, message: interruption.message, code: interruption.code,
                    retryAfter: retryAfter, now: now)
            case .permanent:
                record.state = .failed
                record.lastError = TaskErrorInfo(retryable: false, message: interruption.message, code: interruption.code)
                (action, event) = ("task.failed", .taskFailed)
                engine.metrics.failed.increment()
            case .blocked(let missing):
                record.state = .blocked
                record.attempts = 0
                record.park = ParkReason(kind: .permissions, message: interruption.message, missingPermissions: missing.sorted())
                (action, event) = ("task.blocked", .taskParked(.blocked))
                engine.metrics.parked.increment()
            case .waitingForPerson:
                record.state = .waiting
                record.attempts = 0
                record.confirmation = nil
                record.park = ParkReason(kind: .person, message: interruption.message)
                (action, event) = ("task.waiting", .taskParked(.waiting))
                engine.metrics.parked.increment()
                if case .some(.some(let confirmation)) = askedDuringAttempt[index] {
                    // Confirmed while this attempt ran: it runs again with the confirmation.
                    record.confirmation = confirmation
                    record.nextAttemptAt = now
                    timed.append((now, index))
                }
            case .waitingForCondition(let recheckAfter):
                record.state = .waiting
                record.attempts = 0
                record.park = ParkReason(kind: .condition, message: interruption.message)
                let asked = askedDuringAttempt[index] != nil
                record.nextAttemptAt = asked ? now : now.addingTimeInterval(recheckAfter.seconds)
                timed.append((record.nextAttemptAt!, index))
                (action, event) = ("task.waiting", .taskParked(.waiting))
                engine.metrics.parked.increment()
            }
        }
        if case .interrupted(let interruption) = outcome, case .waitingForCondition = interruption.kind {
            // still waiting on the world: not progress
        } else {
            lastProgressAt = now
        }
        askedDuringAttempt.removeValue(forKey: index)
        let attempt = records[index].attempts
        records[index] = record
        batch.tasks.append(record)
        batch.events.append(PendingEvent(taskID: taskID, at: now, actor: engine.configuration.actor, action: action, reason: reason, attempt: attempt))
        if engine.broadcaster.hasSubscribers {
            pendingEvents.append(EngineEvent(runID: run.id, taskID: taskID, kind: event, at: now, attempt: attempt, message: reason))
        }
        logger.debug("task attempt ended", metadata: ["task.id": "\(taskID)", "attempt": "\(attempt)", "outcome": "\(action)"])
        if record.state.releasesDependents {
            for dependent in graph.dependentIndices[index] {
                unfinishedDependencies[dependent] -= 1
                if unfinishedDependencies[dependent] == 0 { enqueueIfRunnable(dependent, now: now, resuming: false) }
            }
        }
    }

    /// Acts on a person's confirmation or signal while the run executes: a task waiting for a
    /// person continues with the confirmation; one waiting for a condition (or blocked on
    /// permissions) is re-checked now instead of at its next re-check.
    private func apply(_ message: OwnerMessage, now: Date) {
        let targets: [Int]
        switch message.kind {
        case .cancel:
            return  // the supervisor acts on `cancel_requested`
        case .confirm, .signal:
            if let task = message.task {
                targets = graph.indexByID[task].map { [$0] } ?? []
            } else {
                targets = records.indices.filter { records[$0].state == .waiting && records[$0].park?.kind == .condition }
            }
        }
        var acted: [TaskID] = []
        for index in targets where records[index].state == .running && message.task != nil {
            // Being attempted now: run again right after, should this attempt end still waiting.
            if message.kind == .confirm {
                let confirmation = Confirmation(actor: message.actor, at: message.at, note: message.note)
                askedDuringAttempt[index] = .some(confirmation)
                // Journaled with the message's consumption: should the run stop (a crash, a deploy)
                // before this attempt ends, the next attempt still has it.
                records[index].confirmation = confirmation
                records[index].updatedAt = now
                batch.tasks.append(records[index])
            } else if askedDuringAttempt[index] == nil {
                askedDuringAttempt[index] = .some(nil)  // a signal: check again, keeping any confirmation
            }
            acted.append(records[index].id)
        }
        for index in targets where !isReady(index) {
            var record = records[index]
            let kind = record.park?.kind
            switch (record.state, kind, message.kind) {
            case (.waiting, .person?, .confirm):
                record.confirmation = Confirmation(actor: message.actor, at: message.at, note: message.note)
            case (.waiting, .condition?, _), (.blocked, _, _):
                record.nextAttemptAt = nil
            default:
                continue
            }
            record.updatedAt = now
            records[index] = record
            batch.tasks.append(record)
            timed.removeAll { $0.index == index }
            markReady(index)
            acted.append(record.id)
        }
        let action = message.kind == .confirm ? "task.confirmed" : "task.signalled"
        if acted.isEmpty {
            batch.events.append(
                PendingEvent(
                    taskID: message.task, at: now, actor: message.actor, action: "message.ignored",
                    reason: "\(message.kind == .confirm ? "a confirmation" : "a signal") arrived when no task was waiting for it"))
            return
        }
        lastProgressAt = now
        for task in acted {
            batch.events.append(PendingEvent(taskID: task, at: now, actor: message.actor, action: action, reason: message.note))
        }
        logger.info("message delivered", metadata: ["kind": "\(message.kind)", "tasks": "\(acted.map(\.rawValue))"])
    }

    private func isReady(_ index: Int) -> Bool { ready.contains(index) || records[index].state == .running }

    private func retryOrFail(
        _ record: inout TaskRecord, index: Int, message: String, code: String?, retryAfter: Duration?, now: Date
    ) -> (String, EngineEvent.Kind, String?) {
        let task = graph.tasks[index]
        if record.attempts >= task.retryPolicy.maxAttempts {
            record.state = .failed
            record.lastError = TaskErrorInfo(
                retryable: false, message: "Gave up after \(record.attempts) attempts. Last error: \(message)", code: code)
            engine.metrics.failed.increment()
            return ("task.failed", .taskFailed, record.lastError?.message)
        }
        let delay = task.retryPolicy.delay(afterAttempt: record.attempts, retryAfter: retryAfter, unitRandom: engine.unitRandom())
        let at = now.addingTimeInterval(delay.seconds)
        record.state = .pending
        record.nextAttemptAt = at
        record.lastError = TaskErrorInfo(retryable: true, message: message, code: code)
        timed.append((at, index))
        engine.metrics.retried.increment()
        return ("task.retrying", .taskRetrying(at: at), "\(message) (next attempt at \(at.formatted(.iso8601)))")
    }

    // MARK: - Starting

    private func promoteDue(now: Date) {
        if !timed.isEmpty {
            var stillTimed: [(at: Date, index: Int)] = []
            for entry in timed {
                if entry.at <= now { markReady(entry.index) } else { stillTimed.append(entry) }
            }
            timed = stillTimed
        }
        if !windowDeferred.isEmpty && run.options.changeWindows.allowsChange(at: now) {
            for index in windowDeferred { markReady(index) }
            windowDeferred.removeAll()
        }
    }

    private func selectStarts(now: Date) -> [Int] {
        guard !stopping, !draining, !ready.isEmpty else { return [] }
        if readyNeedsSort {
            ready.sort(by: >)
            readyNeedsSort = false
        }
        let windows = run.options.changeWindows
        let windowOpen = run.options.dryRun || windows.allowsChange(at: now)
        var starts: [Int] = []
        while inFlight + starts.count < run.options.maxConcurrentTasks, let index = ready.popLast() {
            if !windowOpen && graph.tasks[index].effect == .mutating {
                windowDeferred.append(index)
                continue
            }
            guard engine.limiter.tryAcquire() else {
                ready.append(index)
                if !waitingForPermit {
                    waitingForPermit = true
                    let mailbox = self.mailbox
                    engine.limiter.notifyOnRelease { mailbox.post(.wake) }
                }
                break
            }
            permitsHeld += 1
            var record = records[index]
            record.state = .running
            record.attempts += 1
            record.park = nil
            record.nextAttemptAt = nil
            record.updatedAt = now
            records[index] = record
            batch.tasks.append(record)
            batch.events.append(
                PendingEvent(taskID: record.id, at: now, actor: engine.configuration.actor, action: "task.started", attempt: record.attempts))
            if engine.broadcaster.hasSubscribers {
                pendingEvents.append(EngineEvent(runID: run.id, taskID: record.id, kind: .taskStarted, at: now, attempt: record.attempts))
            }
            engine.metrics.started.increment()
            starts.append(index)
        }
        return starts
    }

    /// Writes the pending batch in one transaction, then publishes its events.
    private func commit() async throws {
        guard !batch.isEmpty else { return }
        let observer = engine.configuration.commitObserver
        var summary: CommitSummary?
        if let observer {
            summary = CommitSummary(
                phase: .beforeCommit, runID: run.id, transitions: batch.tasks.map { ($0.id, $0.state) }, runState: batch.runState)
            observer(summary!)
        }
        let cancelRequested = try await engine.backend.commit(batch, run: run.id, owner: engine.configuration.ownerID)
        if let observer, var summary {
            summary.phase = .afterCommit
            observer(summary)
        }
        engine.metrics.commits.increment()
        batch.removeAll()
        if cancelRequested && cancellation == nil { cancellation = ("support", "a cancel was requested through the journal") }
        engine.broadcaster.publish(pendingEvents)
        pendingEvents.removeAll(keepingCapacity: true)
    }

    private func armTimer(now: Date, group: inout ThrowingTaskGroup<Void, any Error>) {
        guard !stopping, !draining, let wake = nextWake(now: now) else { return }
        if let armed = armedTimer, armed <= wake { return }
        armedTimer = wake
        let mailbox = self.mailbox
        let clock = engine.clock
        group.addTask {
            try? await clock.sleep(until: wake)
            mailbox.post(.wake)
        }
    }

    private func nextWake(now: Date) -> Date? {
        var earliest = timed.map(\.at).min()
        if !windowDeferred.isEmpty, let opening = run.options.changeWindows.nextOpening(after: now) {
            earliest = min(earliest ?? opening, opening)
        }
        return earliest
    }

    // MARK: - Ending

    /// With nothing in flight: returns a result if the run finished or must park, `nil` to keep waiting.
    private func finishOrPark(now: Date) async throws -> RunResult? {
        if !ready.isEmpty { return nil }  // waiting for a global permit
        // Sleep until the next wake only while the whole idle stretch, counted from the last
        // progress, stays within maxIdleWait; a condition re-checked every 30 s parks after it.
        if let wake = nextWake(now: now), wake.timeIntervalSince(lastProgressAt) <= run.options.maxIdleWait.seconds {
            return nil
        }

        var anyFailed = false
        var anyBlocked = false
        var allDone = true
        for record in records {
            if !record.state.releasesDependents { allDone = false }
            if record.state == .failed { anyFailed = true }
            if record.state == .blocked || (record.state != .succeeded && record.park?.kind == .permissions) { anyBlocked = true }
        }
        let state: RunState = allDone ? .succeeded : anyFailed ? .failed : anyBlocked ? .blocked : .waiting

        let opening = run.options.changeWindows.nextOpening(after: now)
        for index in windowDeferred {
            records[index].state = .waiting
            records[index].updatedAt = now
            records[index].park = ParkReason(
                kind: .changeWindow,
                message: opening.map { "Waiting for the next change window, which opens at \($0.formatted(.iso8601))." }
                    ?? "Waiting for a change window: none is scheduled. Resume with new change windows.")
            records[index].nextAttemptAt = opening
            batch.tasks.append(records[index])
        }
        let parked = state.isParked
        batch.runState = state
        batch.at = now
        batch.releaseLease = true
        batch.events.append(
            PendingEvent(at: now, actor: engine.configuration.actor, action: parked ? "run.parked" : "run.finished", reason: state.rawValue))
        pendingEvents.append(EngineEvent(runID: run.id, kind: parked ? .runParked(state) : .runFinished(state), at: now))
        try await commit()
        engine.metrics.runsFinished.increment()
        logger.info(parked ? "run parked" : "run finished", metadata: ["state": "\(state)"])
        return RunResult(runID: run.id, state: state, tasks: records)
    }

    private func finishCancelled(_ cancellation: (actor: String, reason: String?), now: Date) async throws -> RunResult {
        batch.runState = .cancelled
        batch.at = now
        batch.releaseLease = true
        batch.events.append(PendingEvent(at: now, actor: cancellation.actor, action: "run.cancelled", reason: cancellation.reason))
        pendingEvents.append(EngineEvent(runID: run.id, kind: .runFinished(.cancelled), at: now, message: cancellation.reason))
        try await commit()
        logger.info("run cancelled", metadata: ["actor": "\(cancellation.actor)"])
        return RunResult(runID: run.id, state: .cancelled, tasks: records)
    }

    /// Gives a drained run back: the lease is released and the run stays `running`, so another
    /// worker claims it at once. No attempt was interrupted.
    private func finishDrained(now: Date) async throws -> RunResult {
        batch.releaseLease = true
        batch.events.append(
            PendingEvent(
                at: now, actor: engine.configuration.actor, action: "run.released",
                reason: "the worker shut down after its running attempts finished; another worker continues the run"))
        try await commit()
        logger.info("run released")
        return RunResult(runID: run.id, state: .running, tasks: records)
    }

    private func finishInterrupted(now: Date) async throws -> Never {
        batch.releaseLease = true
        batch.events.append(
            PendingEvent(at: now, actor: engine.configuration.actor, action: "run.interrupted", reason: "the host cancelled the run; resume it to continue"))
        try await commit()
        logger.info("run interrupted")
        throw CancellationError()
    }
}
