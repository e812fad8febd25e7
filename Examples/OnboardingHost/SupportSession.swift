import ArgumentParser
import Foundation
import Logging
import EssentialsOnboarding
import OnboardingEngine

/// What the support commands share: an existing journal (never created), an engine on it, and
/// the host workflow's graph.
struct SupportSession {
    let journal: Journal
    let engine: OnboardingEngine

    /// Opens the journal `option` names; a missing file is a journal error, not a new journal,
    /// unless `creating` (for commands that start runs).
    init(_ option: JournalOption, creating: Bool = false) throws {
        journal = creating ? try Journal(path: try option.path()) : try option.openExisting()
        engine = OnboardingEngine(
            journal: journal, logger: Logger(label: "onboard", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    /// The run's record; `unknownRun` when the journal has no such run.
    func run(_ id: String) throws -> RunRecord { try journal.run(RunID(id)) }

    /// The graph a run follows: the Microsoft 365 workflow (rebuilt from the run's journaled
    /// endpoints, with credentials from the environment or `credentialsFile`) or the host's demo workflow.
    func graph(for run: RunID, credentialsFile: String? = nil) throws -> TaskGraph {
        let record = try journal.run(run)
        guard record.workflow == EssentialsWorkflow.name else { return try HostWorkflow.current.graph() }
        return try M365Host.graph(input: try record.decodeInput(as: M365Host.RunInput.self), credentialsFile: credentialsFile)
    }

    /// Resumes `run` with its workflow, printing progress, then its final state; throws the
    /// run's exit code (``ExitStatus/status(for:)``) unless it succeeded.
    func resumeAndReport(_ run: RunID, actor: String, reason: String, acceptGraphChanges: Bool = false) async throws {
        let graph = try graph(for: run, credentialsFile: ProcessInfo.processInfo.environment["ONBOARD_CREDENTIALS_FILE"])
        let done = Set(try journal.tasks(of: run).filter { $0.state == .succeeded || $0.state == .skipped }.map(\.id))
        let result = try await withProgress(engine, graph: graph, done: done) {
            try await engine.resume(
                run, graph: graph,
                options: ResumeOptions(actor: actor, reason: reason, acceptGraphChanges: acceptGraphChanges))
        }
        try report(result)
    }

    /// Prints a run's final state and throws its exit code unless it succeeded.
    func report(_ result: RunResult) throws {
        print("Run \(result.runID): \(result.state)")
        if result.state != .succeeded {
            for task in result.parkedTasks { print("  \(task.id) waits: \(task.park?.message ?? "")") }
            print("See why with: onboard show \(result.runID) --journal \(journal.path)")
        }
        let status = ExitStatus.status(for: result.state)
        if status != ExitStatus.succeeded { throw ExitCode(status) }
    }
}
