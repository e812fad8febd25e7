import ArgumentParser
import EssentialsOnboarding
import Foundation
import OnboardingEngine

/// What the support commands share: an existing journal (never created) — a file or a
/// PostgreSQL database — an engine on it, and the host workflow's graph. Every read goes through
/// the engine, the same on both backends.
struct SupportSession {
    let journal: HostJournal
    let engine: Engine

    /// Opens the journal `option` names for `access` (an existing one unless told otherwise: a
    /// missing file is a journal error, not a new journal), runs `body` with a session on it, and
    /// closes the journal.
    static func with<Result>(
        _ option: JournalOption, access: JournalOption.Access = .existing,
        _ body: (SupportSession) async throws -> Result
    ) async throws -> Result {
        try await option.withJournal(access) { journal in
            try await body(SupportSession(journal: journal, engine: journal.engine()))
        }
    }

    /// The run's record; `unknownRun` when the journal has no such run.
    func run(_ id: String) async throws -> RunRecord { try await engine.run(RunID(id)) }

    /// The run's journaled input; a usage error for a run of a workflow `onboard` does not host.
    func input(of run: RunID) async throws -> M365Host.RunInput { try input(of: try await engine.run(run)) }

    /// The journaled input of `record`, read above.
    func input(of record: RunRecord) throws -> M365Host.RunInput {
        guard M365Host.workflows.contains(record.workflow) else {
            throw ValidationFailure(
                "Run '\(record.id)' follows workflow '\(record.workflow)', which onboard does not host: resume it from the host that runs that workflow (retry and confirm with --no-resume are recorded for it)."
            )
        }
        return try HostRegistry.input(of: record, demoFolder: journal.demoFolder)
    }

    /// The graph a run follows, from ``HostRegistry`` (credentials from the environment,
    /// `ONBOARD_CREDENTIALS_FILE`, or a demo run's simulator), for actions that run no task. A run of
    /// a workflow `onboard` does not host is an `unknownWorkflow` error naming it.
    func graph(for run: RunID) async throws -> TaskGraph {
        try await HostRegistry.make(demoFolder: journal.demoFolder).graph(for: try await engine.run(run))
    }

    /// Runs `body` with a graph of `workflow` whose tasks can reach the run's services: for a demo
    /// run, its simulated tenant is started again from its state file (on new loopback ports) and
    /// its admin comes along; for any other run, the journaled endpoints are used.
    func withLiveGraph<Result: Sendable>(
        for input: M365Host.RunInput, workflow: String, _ body: (TaskGraph, DemoAdmin?) async throws -> Result
    ) async throws -> Result {
        guard let demo = input.demo else {
            return try await body(
                try M365Host.graph(input: input, credentialsFile: Self.credentialsFile, workflow: workflow), nil)
        }
        try await requireNoWorkerHoldingDemoTenant()
        return try await DemoTenant.run(demo) { tenant in try await body(try tenant.graph(workflow: workflow), tenant.admin) }
    }

    /// Where credentials come from for support commands: this file, or the environment.
    static var credentialsFile: String? { ProcessInfo.processInfo.environment["ONBOARD_CREDENTIALS_FILE"] }

    /// Resumes `run` with its workflow, printing progress (and, for a demo run, playing its admin),
    /// then its final state; throws the run's exit code (``ExitStatus/status(for:)``) unless it succeeded.
    func resumeAndReport(_ run: RunID, actor: String, reason: String, acceptGraphChanges: Bool = false) async throws {
        let record = try await engine.run(run)
        let input = try input(of: record)
        let done = Set(
            try await engine.tasks(of: run).filter { $0.state == .succeeded || $0.state == .skipped }.map(\.id))
        let options = ResumeOptions(actor: actor, reason: reason, acceptGraphChanges: acceptGraphChanges)
        let result = try await withLiveGraph(for: input, workflow: record.workflow) { graph, admin in
            guard let admin else {
                return try await withProgress(engine, graph: graph, done: done) {
                    try await engine.resume(run, graph: graph, options: options)
                }
            }
            return try await admin.drive(engine, run: run, graph: graph, done: done) {
                try await engine.resume(run, graph: graph, options: options)
            }
        }
        if let demo = input.demo { print("Demo run: its simulated tenant was started again from \(demo.stateFile)") }
        try await M365Host.onboardChildren(
            of: result, input: input, engine: engine, options: record.options, actor: actor,
            credentialsFile: Self.credentialsFile)
        try report(result)
    }

    /// Refuses to start a demo run's tenant here while a worker serves the journal: the worker keeps
    /// that tenant in its process, and a second copy would write over its state file.
    func requireNoWorkerHoldingDemoTenant() async throws {
        guard let worker = await liveWorker() else { return }
        throw EngineError(
            .runLeased,
            "A worker (\(worker.id)) serves this journal and keeps its demo tenants: its demo admin does the demo's steps. Stop it (SIGTERM) to act on a demo run from the command line."
        )
    }

    /// A worker (`onboard serve`) that serves this journal now, if any.
    func liveWorker() async -> WorkerRecord? { (try? await engine.liveWorkers())?.first }

    /// Says where an action went; returns whether someone else continues the run (a live owner,
    /// or a worker serving the journal), so the command need not resume it.
    @discardableResult
    func explain(_ delivery: SupportDelivery, run: RunID) async -> Bool {
        switch delivery {
        case .sent(let owner):
            print("Sent to \(owner), which is running it: it acts within a few seconds.")
            return true
        case .delivered, .alreadyDone:
            return true
        case .recorded:
            if let worker = await liveWorker() {
                print("A worker (\(worker.id)) serves this journal: it continues the run now.")
                print("Follow it with: onboard show \(run) --journal \(journal.location)")
                return true
            }
            return false
        }
    }

    /// What to tell a person whose confirmation or signal came after the task stopped waiting.
    func alreadyDone(_ task: TaskID, in run: RunID) async -> String {
        let state = try? await engine.tasks(of: run).first { $0.id == task }?.state
        return "'\(task)' already \(state.map { "\($0)" } ?? "finished"): nothing to do (nothing was written)."
    }

    /// Prints a run's final state and throws its exit code unless it succeeded.
    func report(_ result: RunResult) throws {
        print("Run \(result.runID): \(result.state)")
        if result.state != .succeeded {
            for task in result.parkedTasks { print("  \(task.id) waits: \(task.park?.message ?? "")") }
            print("See why with: onboard show \(result.runID) --journal \(journal.location)")
        }
        let status = ExitStatus.status(for: result.state)
        if status != ExitStatus.succeeded { throw ExitCode(status) }
    }
}
