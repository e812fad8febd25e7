import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization

/// Owns every run in a journal for as long as it lasts: executes submitted runs, wakes parked
/// runs when their durable timer falls due, recovers runs whose process died, and hands a
/// person's confirmation or signal to the run at once. A swift-service-lifecycle `Service`.
///
/// `run()` claims due runs with one journal statement (up to
/// ``Configuration/maxConcurrentRuns`` at a time), executes each with the graph its
/// ``WorkflowRegistry`` builds, and sleeps until the next timer, a nudge from this process
/// (``Engine/submit(_:id:input:options:)``, a support action) or its next look at
/// the journal (``Configuration/pollInterval``, which is how other processes reach it). A run
/// that has nothing to do for ``Configuration/maxIdleWait`` parks, so memory holds the runs in
/// flight, not the runs in the journal. Start-up recovery is the same claim.
///
/// On graceful shutdown (SIGTERM through a `ServiceGroup`) the worker stops claiming, starts no
/// new attempts, lets running attempts finish for up to ``Configuration/drainDeadline``, and
/// gives each run back with its lease released, so another worker continues it at once.
/// Attempts still running at the deadline are cancelled (not counted as crashes).
///
/// ```swift
/// let worker = OnboardingWorker(engine: engine, registry: registry, logger: logger)
/// let group = ServiceGroup(services: [worker], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
/// try await group.run()
/// ```
public final class OnboardingWorker: Service, Sendable {
    /// How a worker claims, parks and drains runs.
    public struct Configuration: Sendable {
        /// The most runs executing at once (tasks are also bounded by the engine's
        /// ``EngineConfiguration/maxConcurrentTasks``).
        public var maxConcurrentRuns: Int
        /// How often the worker looks in the journal for runs made due by other processes.
        public var pollInterval: Duration
        /// A run under this worker parks once nothing can run for this long (or for its own
        /// ``RunOptions/maxIdleWait``, if shorter); its durable timer brings it back.
        public var maxIdleWait: Duration
        /// How long running attempts may take to finish on shutdown before they are cancelled.
        public var drainDeadline: Duration
        /// When a run's graph cannot be built (credentials missing, say), how long until the
        /// worker tries again.
        public var retryUnbuildableAfter: Duration
        /// The actor recorded for the worker's resumes.
        public var actor: String

        /// Creates a configuration.
        public init(
            maxConcurrentRuns: Int = 64,
            pollInterval: Duration = .seconds(1),
            maxIdleWait: Duration = .seconds(5),
            drainDeadline: Duration = .seconds(30),
            retryUnbuildableAfter: Duration = .seconds(60),
            actor: String = "worker"
        ) {
            self.maxConcurrentRuns = max(1, maxConcurrentRuns)
            self.pollInterval = pollInterval
            self.maxIdleWait = maxIdleWait
            self.drainDeadline = drainDeadline
            self.retryUnbuildableAfter = retryUnbuildableAfter
            self.actor = actor
        }
    }

    /// The engine the worker executes runs with; its journal is the one served.
    public let engine: Engine
    /// How runs get their graphs.
    public let registry: WorkflowRegistry
    /// The worker's settings.
    public let configuration: Configuration
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var inFlight: Set<RunID> = []
        var shuttingDown = false
    }

    /// Creates a worker. Run it with `run()` (directly or in a `ServiceGroup`); it serves the
    /// engine's journal until it is cancelled or shut down gracefully.
    public init(
        engine: Engine, registry: WorkflowRegistry, configuration: Configuration = Configuration(), logger: Logger
    ) {
        self.engine = engine
        self.registry = registry
        self.configuration = configuration
        self.logger = logger
    }

    /// The runs this worker is executing now.
    public var runsInFlight: Set<RunID> { state.withLock { $0.inFlight } }

    /// Whether a graceful shutdown began: the worker claims nothing more and drains (for a
    /// host's readiness check).
    public var isShuttingDown: Bool { state.withLock { $0.shuttingDown } }

    /// Serves the journal until the task is cancelled (attempts are interrupted, runs released)
    /// or a graceful shutdown drains it.
    public func run() async throws {
        let backend = engine.backend
        let clock = engine.clock
        let owner = engine.configuration.ownerID
        let startedAt = clock.now()
        logger.info("worker started", metadata: ["worker": "\(owner)", "workflows": "\(registry.workflows)"])
        defer { logger.info("worker stopped", metadata: ["worker": "\(owner)"]) }
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                var lastHeartbeat = Date.distantPast
                var outage = JournalOutage()
                while !state.withLock({ $0.shuttingDown }) && !Task.isCancelled {
                    let now = clock.now()
                    // While the journal does not answer, the heartbeat is the probe: nothing is
                    // claimed until it answers, and it is asked less and less often.
                    if outage.isOn || now.timeIntervalSince(lastHeartbeat) >= 2 {
                        lastHeartbeat = now
                        let answered = await attempt("heartbeat") {
                            try await backend.heartbeat(worker: owner, startedAt: startedAt, now: now)
                        }
                        if let backoff = outage.note(answered: answered, logger: logger) {
                            await waitForWork(until: now.addingTimeInterval(backoff))
                            continue
                        }
                    }
                    let capacity = configuration.maxConcurrentRuns - state.withLock { $0.inFlight.count }
                    var claimed: [RunID] = []
                    let claimAnswered = await attempt("claiming runs") {
                        claimed = try await backend.claimDue(
                            owner: owner, leaseUntil: now.addingTimeInterval(engine.configuration.leaseDuration.timeInterval),
                            now: now, workflows: registry.workflows, limit: capacity)
                    }
                    if let backoff = outage.note(answered: claimAnswered, logger: logger) {
                        await waitForWork(until: now.addingTimeInterval(backoff))
                        continue
                    }
                    for run in claimed {
                        state.withLock { _ = $0.inFlight.insert(run) }
                        group.addTask {
                            await self.execute(run)
                            self.state.withLock { _ = $0.inFlight.remove(run) }
                            self.engine.workAvailable.signal()
                        }
                    }
                    if capacity > 0 && claimed.count == capacity { continue }  // more may be due
                    var wake = now.addingTimeInterval(configuration.pollInterval.timeInterval)
                    await attempt("reading timers") {
                        if let next = try await backend.nextWake(workflows: registry.workflows, excluding: owner) {
                            wake = min(wake, max(next, now))
                        }
                    }
                    if wake > now { await waitForWork(until: wake) }
                }
                await drain(group: &group)
            }
        } onGracefulShutdown: {
            let running = self.state.withLock { state in
                state.shuttingDown = true
                return state.inFlight
            }
            for run in running { self.engine.drain(run) }
            self.engine.workAvailable.signal()
        }
        try? await backend.removeWorker(owner)
    }

    /// Stops the runs in flight: each is asked to finish its running attempts and give the run
    /// back; at the deadline, whatever still runs is cancelled.
    private func drain(group: inout DiscardingTaskGroup) async {
        let running = state.withLock { $0.inFlight }
        guard !running.isEmpty else { return }
        logger.info("worker draining", metadata: ["runs": "\(running.count)"])
        for run in running { engine.drain(run) }
        let deadline = ContinuousClock.now.advanced(by: configuration.drainDeadline)
        while !state.withLock({ $0.inFlight.isEmpty }) {
            if ContinuousClock.now >= deadline || Task.isCancelled {
                logger.warning("drain deadline passed; interrupting the attempts still running")
                group.cancelAll()
                return
            }
            await withTaskGroup(of: Void.self) { waiters in
                waiters.addTask { await self.engine.workAvailable.wait() }
                waiters.addTask { try? await Task.sleep(until: deadline, clock: .continuous) }
                await waiters.next()
                waiters.cancelAll()
            }
        }
    }

    /// Sleeps until `deadline`, a nudge from this process, or shutdown.
    private func waitForWork(until deadline: Date) async {
        let clock = engine.clock
        let nudge = engine.workAvailable
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await clock.sleep(until: deadline) }
            group.addTask { await nudge.wait() }
            await group.next()
            group.cancelAll()
        }
    }

    /// Executes one claimed run until it parks, ends or is given back.
    private func execute(_ id: RunID) async {
        let backend = engine.backend
        let owner = engine.configuration.ownerID
        var logger = self.logger
        logger[metadataKey: "run.id"] = "\(id)"
        let graph: TaskGraph
        do {
            let record = try await backend.fetchRun(id)
            graph = try await registry.graph(for: record)
        } catch {
            // Not this worker's to fix now: give it back, and look again later.
            let retryAt = engine.clock.now().addingTimeInterval(configuration.retryUnbuildableAfter.timeInterval)
            logger.error("the run's graph could not be built", metadata: ["error": "\(error)"])
            try? await backend.releaseClaim(
                run: id, owner: owner, wakeAt: retryAt,
                event: PendingEvent(
                    at: engine.clock.now(), actor: configuration.actor, action: "run.worker-error",
                    reason: "the worker could not build the run's graph: \(Self.words(error)); it tries again at \(retryAt.formatted(.iso8601))"))
            return
        }
        do {
            let result = try await engine.resume(
                id, graph: graph, options: ResumeOptions(actor: configuration.actor, reason: "due"),
                idleLimit: configuration.maxIdleWait)
            logger.debug("run left the worker", metadata: ["state": "\(result.state)"])
        } catch is CancellationError {
            logger.info("run interrupted by the worker's shutdown")
        } catch let error as EngineError where error.code == .runLeased {
            logger.debug("run taken by another engine", metadata: ["error": "\(error.message)"])
        } catch let error as EngineError where error.code == .graphChanged || error.code == .invalidState {
            // A person decides: a changed graph must be accepted; a cancelled run stays so.
            try? await backend.releaseClaim(
                run: id, owner: owner, wakeAt: nil,
                event: error.code == .graphChanged
                    ? PendingEvent(
                        at: engine.clock.now(), actor: configuration.actor, action: "run.worker-error",
                        reason: "the worker's graph differs from the run's; resume it with the change accepted")
                    : nil)
            logger.warning("the worker cannot continue the run", metadata: ["error": "\(error.message)"])
        } catch {
            // The journal failed under the run (a connection cut, a restart): it is due again
            // soon, as the journal allows. Anything else waits as an unbuildable graph does.
            let delay = error is JournalError ? Self.journalRetryDelay : configuration.retryUnbuildableAfter.timeInterval
            let retryAt = engine.clock.now().addingTimeInterval(delay)
            try? await backend.releaseClaim(run: id, owner: owner, wakeAt: retryAt, event: nil)
            logger.error("the run stopped with an error", metadata: ["error": "\(error)"])
        }
    }

    /// Runs a journal step of the loop, logging (not throwing) its failure: a busy journal
    /// delays the worker, it does not stop it. Returns whether the journal answered: `false`
    /// only when it could not be reached (a busy file or a refused statement is an answer).
    @discardableResult
    private func attempt(_ what: String, _ body: () async throws -> Void) async -> Bool {
        do {
            try await body()
            return true
        } catch {
            logger.warning("worker step failed", metadata: ["step": "\(what)", "error": "\(error)"])
            return (error as? JournalError)?.code != .unreachable
        }
    }

    /// Seconds before a run whose journal failed under it is due again.
    static let journalRetryDelay: TimeInterval = 1

    private static func words(_ error: any Error) -> String {
        if let error = error as? EngineError { return error.message }
        if let error = error as? JournalError { return error.message }
        return String(describing: error)
    }
}
