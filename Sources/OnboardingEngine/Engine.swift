import Foundation
public import Logging
import Metrics
import Synchronization
public import Tracing

/// Runs graphs of idempotent onboarding tasks, journaling every step so any interrupted run
/// resumes exactly where it stopped.
///
/// One engine runs many runs at once (one per tenant, say), each under its own concurrency
/// bound and all under the engine's global one. `start` and `resume` return when the run
/// finishes or parks (waiting for a person, a condition or a change window, or blocked on
/// permissions); cancelling the calling task interrupts the run, which stays resumable.
///
/// ```swift
/// let journal = try Journal(path: "onboarding.journal")
/// let engine = Engine(journal: journal, logger: logger)
/// let graph = try TaskGraph(workflow: "m365-onboarding", tasks: tasks)
/// let result = try await engine.start(graph, input: TenantInput(tenantID: "contoso"))
/// if result.state == .waiting { print(result.parkedTasks.map(\.park)) }
/// ```
public final class Engine: Sendable {
    /// What the engine journals through: every read and write it makes is one of its intents.
    let backend: any JournalBackend
    /// The engine's settings.
    public let configuration: EngineConfiguration
    let clock: any EngineClock
    let logger: Logger
    let broadcaster = EventBroadcaster()
    let limiter: ConcurrencyLimiter
    let metrics: EngineMetrics
    let tracer: any Tracer
    let unitRandom: @Sendable () -> Double
    /// Controls of the runs this engine is executing, so `cancel` can reach them.
    let activeRuns = Mutex<[RunID: RunControl]>([:])
    /// Wakes this engine's workers when a run is submitted or becomes due in this process.
    let workAvailable = Nudge()
    /// The last read of `run_messages`, shared by every run this engine executes.
    let messagePoll = Mutex<(at: ContinuousClock.Instant?, messages: [RunID: [OwnerMessage]])>((nil, [:]))

    /// Creates an engine.
    ///
    /// - Parameters:
    ///   - journal: where runs are recorded.
    ///   - configuration: global concurrency, lease and crash settings.
    ///   - clock: the source of time; tests pass a manual clock.
    ///   - logger: the host's logger. The engine logs with constant messages and metadata.
    ///   - tracer: where spans go: one `onboarding.run` span per execution of a run, one
    ///     `onboarding.task` span per attempt nested in it (the clients' HTTP spans nest in
    ///     those). `nil` uses the process's bootstrapped tracer (`InstrumentationSystem.tracer`).
    ///   - unitRandom: random numbers in `0..<1` for retry jitter; injectable for tests.
    public convenience init(
        journal: Journal,
        configuration: EngineConfiguration = EngineConfiguration(),
        clock: any EngineClock = SystemClock(),
        logger: Logger,
        tracer: (any Tracer)? = nil,
        unitRandom: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.init(
            backend: journal, configuration: configuration, clock: clock, logger: logger, tracer: tracer,
            unitRandom: unitRandom)
    }

    /// Creates an engine over any journal backend (the package's PostgreSQL module, or a test's).
    package init(
        backend: any JournalBackend,
        configuration: EngineConfiguration = EngineConfiguration(),
        clock: any EngineClock = SystemClock(),
        logger: Logger,
        tracer: (any Tracer)? = nil,
        unitRandom: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.tracer = tracer ?? InstrumentationSystem.tracer
        self.backend = backend
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.limiter = ConcurrencyLimiter(limit: configuration.maxConcurrentTasks)
        self.metrics = EngineMetrics(factory: configuration.metricsFactory ?? MetricsSystem.factory)
        self.unitRandom = unitRandom
    }

    /// A stream of everything this engine does from now on, for progress displays.
    ///
    /// Each call returns a new subscription; it ends when the caller stops iterating or the engine
    /// is released. A subscriber that falls more than 4,096 events behind loses the oldest.
    public func events() -> AsyncStream<EngineEvent> { broadcaster.subscribe() }

    /// Starts a new run of `graph` and executes it until it finishes or parks.
    ///
    /// The run, its input and its first event are durable before any task starts.
    ///
    /// - Parameters:
    ///   - graph: the validated graph.
    ///   - id: the run's id; a new unique id when `nil`. An id that exists is refused.
    ///   - input: the host's non-secret input, journaled as JSON. Never pass credentials here.
    ///   - options: the run's options, journaled with it.
    /// - Returns: the run's state and task records when it finished or parked.
    /// - Throws: ``EngineError`` (`runExists`, `invalidValue`), ``JournalError``, or
    ///   `CancellationError` when the calling task was cancelled (the run stays resumable).
    public func start<Input: Encodable & Sendable>(
        _ graph: TaskGraph, id: RunID? = nil, input: Input, options: RunOptions = RunOptions()
    ) async throws -> RunResult {
        let now = clock.now()
        let runID = id ?? RunID("\(graph.workflow)-\(Self.timestamp(now))-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))")
        let inputBytes: [UInt8]
        do {
            inputBytes = try JSONCoding.encode(input)
        } catch {
            throw EngineError(.invalidValue, "The run's input could not be encoded as JSON: \(error).", underlying: error)
        }
        let control = try claim(runID)
        defer { release(runID, control) }
        let run = RunRecord(
            id: runID, workflow: graph.workflow, fingerprint: graph.fingerprint, input: inputBytes, options: options,
            state: .running, createdAt: now, updatedAt: now, leaseOwner: configuration.ownerID,
            leaseExpiresAt: now.addingTimeInterval(configuration.leaseDuration.seconds), cancelRequested: false)
        try await backend.createRun(
            run, graph: graph.descriptors,
            event: PendingEvent(
                at: now, actor: configuration.actor, action: "run.started",
                reason: options.dryRun ? "dry run: tasks are observed, never run" : nil))
        logger.info("run started", metadata: ["run.id": "\(runID)", "workflow": "\(graph.workflow)"])
        broadcaster.publish([EngineEvent(runID: runID, kind: .runStarted, at: now)])
        let records = graph.tasks.map { TaskRecord(id: $0.id, at: now) }
        return try await execute(graph: graph, run: run, records: records, control: control)
    }

    /// Makes this engine the one executor of run `id` in this process until ``release(_:_:)``.
    ///
    /// - Throws: ``EngineError`` `runLeased` when this engine is executing (or preparing) it
    ///   already: a second call never starts a second execution.
    private func claim(_ id: RunID) throws -> RunControl {
        try activeRuns.withLock { active in
            guard active[id] == nil else {
                throw EngineError(
                    .runLeased,
                    "Run '\(id)' is being run by this engine right now; wait for it to finish or park, or cancel it.",
                    runID: id)
            }
            let control = RunControl()
            active[id] = control
            return control
        }
    }

    private func release(_ id: RunID, _ control: RunControl) {
        activeRuns.withLock { active in
            if active[id] === control { active[id] = nil }
        }
    }

    /// Whether this engine is executing run `id` now.
    func isExecuting(_ id: RunID) -> Bool { activeRuns.withLock { $0[id] != nil } }

    /// Starts run `id`, or continues it when the journal already has it: an idempotent start,
    /// for hosts that fan out runs (one per child organization, one per tenant of a batch) and
    /// may themselves be interrupted halfway. Calling it again after a crash starts the runs that
    /// were never started and resumes the others; none is started twice.
    ///
    /// An existing run is resumed (by `actor`) unless it already succeeded or was cancelled, in
    /// which case its result is returned and nothing runs. Its journaled input must be the same
    /// as `input` (compared as JSON with sorted keys) and its workflow the same as the graph's.
    ///
    /// - Parameters:
    ///   - graph: the validated graph.
    ///   - id: the run's id, derived by the host from what the run is for.
    ///   - input: the host's non-secret input.
    ///   - options: the options for a new run; an existing run keeps its own.
    ///   - actor: who resumes an existing run, for its timeline.
    /// - Returns: the run's state and task records when it finished or parked.
    /// - Throws: ``EngineError`` `runExists` when a run with that id has another input or
    ///   workflow; otherwise what ``start(_:id:input:options:)`` and ``resume(_:graph:options:)`` throw.
    public func startOrResume<Input: Encodable & Sendable>(
        _ graph: TaskGraph, id: RunID, input: Input, options: RunOptions = RunOptions(), actor: String = "engine"
    ) async throws -> RunResult {
        let existing: RunRecord
        do {
            existing = try await backend.fetchRun(id)
        } catch let error as EngineError where error.code == .unknownRun {
            return try await start(graph, id: id, input: input, options: options)
        }
        let inputBytes = try JSONCoding.encode(input)
        guard existing.workflow == graph.workflow, existing.input == inputBytes else {
            throw EngineError(
                .runExists,
                "Run '\(id)' exists for \(existing.workflow == graph.workflow ? "another input" : "workflow '\(existing.workflow)'"); it was neither started again nor resumed. Use another run id, or resume it with its own input.",
                runID: id)
        }
        switch existing.state {
        case .succeeded, .cancelled:
            return RunResult(runID: id, state: existing.state, tasks: try await backend.fetchTasks(of: id))
        default:
            return try await resume(id, graph: graph, options: ResumeOptions(actor: actor, reason: "started again"))
        }
    }

    /// Resumes a run from its journal: skips what succeeded, re-runs what was interrupted,
    /// re-checks what was parked, and continues until the run finishes or parks again.
    ///
    /// - Parameters:
    ///   - id: the run.
    ///   - graph: the graph to continue with. When it differs from the run's (tasks added or
    ///     removed, a version or dependency changed), resume is refused with a readable diff
    ///     unless `options.acceptGraphChanges` is set.
    ///   - options: who resumes and why, and what to accept.
    /// - Throws: ``EngineError`` `unknownRun`, `runLeased` (naming the owner), `graphChanged`
    ///   (with ``EngineError/graphDiff``), `invalidState` for a cancelled run; ``JournalError``.
    public func resume(_ id: RunID, graph: TaskGraph, options: ResumeOptions = ResumeOptions()) async throws -> RunResult {
        try await resume(id, graph: graph, options: options, idleLimit: nil)
    }

    /// Resumes a run, parking it once nothing can run for `idleLimit` when that is shorter than
    /// the run's own ``RunOptions/maxIdleWait`` (a worker's limit: its memory holds runs in
    /// flight, not runs that wait).
    func resume(_ id: RunID, graph: TaskGraph, options: ResumeOptions, idleLimit: Duration?) async throws -> RunResult {
        let control = try claim(id)
        defer { release(id, control) }
        let prepared = try await prepareResume(id, graph: graph, options: options)
        guard var run = prepared.run else {
            return RunResult(runID: id, state: .succeeded, tasks: prepared.records)
        }
        if let idleLimit, run.options.maxIdleWait > idleLimit { run.options.maxIdleWait = idleLimit }
        logger.info("run resumed", metadata: ["run.id": "\(id)", "actor": "\(options.actor)"])
        broadcaster.publish([EngineEvent(runID: id, kind: .runResumed, at: run.updatedAt, message: options.reason)])
        return try await execute(graph: graph, run: run, records: prepared.records, control: control)
    }

    /// Supervises one run: the runner executes it while this task renews the lease every third
    /// of its duration and stops the runner when a person cancels or the lease is lost.
    private func execute(graph: TaskGraph, run: RunRecord, records: [TaskRecord], control: RunControl) async throws
        -> RunResult
    {
        try await tracer.withSpan("onboarding.run", ofKind: .internal) { span in
            span.attributes["onboarding.run.id"] = run.id.rawValue
            span.attributes["onboarding.workflow"] = run.workflow
            let result = try await supervise(graph: graph, run: run, records: records, control: control)
            span.attributes["onboarding.run.state"] = result.state.rawValue
            if result.state == .failed { span.setStatus(SpanStatus(code: .error, message: "the run failed")) }
            return result
        }
    }

    private func supervise(graph: TaskGraph, run: RunRecord, records: [TaskRecord], control: RunControl) async throws
        -> RunResult
    {
        let clock = self.clock
        let renewEvery = configuration.leaseDuration.seconds / 3
        let pollEvery = configuration.messagePollInterval
        var delivered: Set<Int64> = []
        var lease = LeaseKeeper(taken: clock.now(), duration: configuration.leaseDuration.seconds)
        do {
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    let execution = RunExecution(engine: self, graph: graph, run: run, records: records, control: control)
                    do {
                        control.mailbox.post(.runnerEnded(.success(try await execution.execute())))
                    } catch {
                        control.mailbox.post(.runnerEnded(.failure(error)))
                    }
                }
                group.addTask {
                    // Ticks four times per renewal: a renewal that failed is tried again soon. The
                    // loop ends on cancellation itself, whether or not the host's clock throws.
                    while !Task.isCancelled {
                        try await clock.sleep(until: clock.now().addingTimeInterval(renewEvery / 4))
                        control.mailbox.post(.renewLease)
                    }
                }
                group.addTask {
                    // Real time, not the engine's clock: how soon another process reaches the run.
                    while !Task.isCancelled {
                        try await Task.sleep(for: pollEvery)
                        control.mailbox.post(.pollMessages)
                    }
                }
                var hostCancelled = false
                while true {
                    let messages = hostCancelled ? await control.mailbox.nextIgnoringCancellation() : await control.mailbox.next()
                    if messages.isEmpty { hostCancelled = true }  // the runner sees the same cancellation
                    for message in messages {
                        switch message {
                        case .runnerEnded(let result):
                            group.cancelAll()
                            return try result.get()
                        case .cancel(let actor, let reason):
                            control.stop(.cancelled(actor: actor, reason: reason))
                            group.cancelAll()
                        case .renewLease:
                            guard lease.renewalDue(at: clock.now(), every: renewEvery) else { continue }
                            await renewLease(run.id, lease: &lease, control: control, cancelChildren: { group.cancelAll() })
                        case .pollMessages:
                            await pollMessages(run.id, control: control, delivered: &delivered) { group.cancelAll() }
                        }
                    }
                }
            }
        } catch {
            // Best effort: let another engine take over at once instead of waiting for expiry.
            _ = try? await backend.commit(JournalBatch(releaseLease: true), run: run.id, owner: configuration.ownerID)
            throw error
        }
    }

    /// Hands the runner what other processes sent the run through the journal, and stops it
    /// when a cancel was requested there.
    private func pollMessages(
        _ run: RunID, control: RunControl, delivered: inout Set<Int64>, cancelChildren: () -> Void
    ) async {
        do {
            let messages = try await pendingMessages(for: run)
            for message in messages where delivered.insert(message.sequence).inserted {
                control.runner.post(.deliver(message))
            }
            if messages.contains(where: { $0.kind == .cancel }) {
                control.stop(.cancelled(actor: "support", reason: "a cancel was requested through the journal"))
                cancelChildren()
            }
        } catch {
            logger.warning("polling the run's messages failed", metadata: ["run.id": "\(run)", "error": "\(error)"])
        }
    }

    /// The messages waiting for `run`, from one read of the table shared by all of this engine's
    /// runs: a read younger than a quarter of the poll interval is reused, so runs in flight cost
    /// at most four queries per interval together, not one each.
    private func pendingMessages(for run: RunID) async throws -> [OwnerMessage] {
        let fresh = configuration.messagePollInterval / 4
        if let cached = messagePoll.withLock({ poll in
            poll.at.map { ContinuousClock.now - $0 < fresh } == true ? poll.messages[run] ?? [] : nil
        }) {
            return cached
        }
        let messages = try await backend.pendingMessages()
        messagePoll.withLock { $0 = (ContinuousClock.now, messages) }
        return messages[run] ?? []
    }

    /// Renews the run's lease. A journal that does not answer is asked again at the next tick;
    /// once the lease may lapse before an answer comes, the run's tasks are stopped, so that no
    /// attempt goes on while another engine could take the run over.
    private func renewLease(_ run: RunID, lease: inout LeaseKeeper, control: RunControl, cancelChildren: () -> Void) async {
        let asked = clock.now()
        do {
            let until = asked.addingTimeInterval(configuration.leaseDuration.seconds)
            let cancelRequested = try await backend.renewLease(run: run, owner: configuration.ownerID, until: until)
            if lease.failing { logger.notice("lease renewed again", metadata: ["run.id": "\(run)"]) }
            lease.renewed(at: asked)
            if cancelRequested {
                control.stop(.cancelled(actor: "support", reason: "a cancel was requested through the journal"))
                cancelChildren()
            }
        } catch let error as EngineError where error.code == .runLeased {
            control.stop(.leaseLost(error))
            cancelChildren()
        } catch {
            lease.failing = true
            let now = clock.now()
            guard lease.mayLapse(at: now) else {
                logger.warning("lease renewal failed; trying again", metadata: ["run.id": "\(run)", "error": "\(error)"])
                return
            }
            logger.error("lease could not be renewed in time; the run's tasks stop", metadata: ["run.id": "\(run)", "error": "\(error)"])
            control.stop(.leaseLost(LeaseErrors.notRenewable(run, for: now.timeIntervalSince(lease.heldSince), error: error)))
            cancelChildren()
        }
    }

    static func timestamp(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970)
        return String(seconds, radix: 36)
    }
}

/// The engine's swift-metrics instruments, created once per engine.
///
/// Labels: `onboarding_task_attempts_total`, `onboarding_tasks_total{outcome=succeeded|failed|retrying|parked}`,
/// `onboarding_task_duration{task=…}` (a timer per task id), `onboarding_journal_commits_total`,
/// `onboarding_runs_total`.
struct EngineMetrics: Sendable {
    let started: Counter
    let succeeded: Counter
    let failed: Counter
    let retried: Counter
    let parked: Counter
    private let durations: TaskTimers
    let commits: Counter
    let runsFinished: Counter

    /// The duration timer of `task`'s attempts (`onboarding_task_duration{task=…}`).
    func duration(of task: TaskID) -> Metrics.Timer { durations.timer(for: task) }

    init(factory: any MetricsFactory) {
        func outcome(_ name: String) -> Counter {
            Counter(label: "onboarding_tasks_total", dimensions: [("outcome", name)], factory: factory)
        }
        started = Counter(label: "onboarding_task_attempts_total", factory: factory)
        succeeded = outcome("succeeded")
        failed = outcome("failed")
        retried = outcome("retrying")
        parked = outcome("parked")
        durations = TaskTimers(factory: factory)
        commits = Counter(label: "onboarding_journal_commits_total", factory: factory)
        runsFinished = Counter(label: "onboarding_runs_total", factory: factory)
    }
}

/// One duration timer per task id, made on first use.
final class TaskTimers: Sendable {
    private let factory: any MetricsFactory
    private let timers = Mutex<[TaskID: Metrics.Timer]>([:])

    init(factory: any MetricsFactory) { self.factory = factory }

    func timer(for task: TaskID) -> Metrics.Timer {
        timers.withLock { timers in
            if let timer = timers[task] { return timer }
            let timer = Metrics.Timer(label: "onboarding_task_duration", dimensions: [("task", task.rawValue)], factory: factory)
            timers[task] = timer
            return timer
        }
    }
}
