import ArgumentParser
import Foundation
import OnboardingConsole
import OnboardingEngine

/// `onboard show RUN`: a run's state and lease, its tasks, the last error in plain words, what a
/// person must do next, and the timeline from the event log.
struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a run's tasks, last error, next steps and timeline.",
        discussion: ExitStatus.helpText)

    @OptionGroup var journalOption: JournalOption
    @Argument(help: "The run's id.") var runID: String
    @Flag(help: "Print JSON (schema: Docs/SupportTool.md).") var json = false

    func run() async throws {
        let id = RunID(runID)
        let detail = try await journalOption.withJournal(.reading) { journal in
            let engine = journal.engine()
            let host = HostConsole(journal: journal)
            let record = try await engine.run(id)
            var detail = RunDetail(
                run: record, tasks: try await engine.tasks(of: id), events: try await engine.history(of: id),
                shared: !journal.isFile, labels: host.labels(workflow: record.workflow, input: record.input),
                commandLine: host.commandLine(for:))
            detail.servedBy = (try? await engine.liveWorkers())?.first?.id
            return detail
        }
        if json { return try JSONOutput.print(detail) }
        print(ShowCommand.text(detail), terminator: "")
    }

    /// The human-readable view of `detail`.
    static func text(_ detail: RunDetail) -> String {
        var lines: [String] = []
        lines.append("Run \(detail.id) (\(detail.workflow)): \(detail.state)")
        if let labels = detail.labels, let tenant = labels["tenant"] {
            lines.append("Tenant \(tenant)" + (labels["org"].map { ", Essentials org \($0)" } ?? ""))
        }
        lines.append(
            "Started \(detail.createdAt.formatted(.iso8601)), last changed \(detail.updatedAt.formatted(.iso8601))")
        if let lease = detail.lease {
            let how = lease.expired ? "expired" : detail.stalled ? "its process is gone; resume takes it over" : "held"
            lines.append("Lease: \(lease.owner) until \(lease.expiresAt.formatted(.iso8601)) (\(how))")
        } else if detail.queued {
            lines.append("Lease: none (queued for a worker: `onboard serve` drives it)")
        } else if detail.state == RunState.running.rawValue {
            lines.append("Lease: none (the process that ran it stopped; resume it)")
        } else {
            lines.append("Lease: none")
        }
        if detail.cancelRequested {
            lines.append("Cancel requested: the process running it stops within a few seconds.")
        }
        if let worker = detail.servedBy, RunState(rawValue: detail.state)?.hasEnded == false {
            lines.append(
                "Worker: \(worker) serves this journal; it continues the run by itself (confirm and signal reach it).")
        }
        if let wake = detail.wakeAt, detail.state != RunState.running.rawValue {
            lines.append("Next look: \(wake.formatted(.iso8601)) (a worker, `onboard serve`, continues it then)")
        }
        if let error = detail.lastError {
            let code = error.code.map { " [\($0)]" } ?? ""
            let retry = error.retryable ? "the engine retries it" : "it will not be retried until someone acts"
            lines.append(
                "Last error: '\(error.task)' at \(error.at.formatted(.iso8601)): \(error.message)\(code) (\(retry))")
        }
        if !detail.nextSteps.isEmpty {
            lines.append("Next steps:")
            for step in detail.nextSteps {
                let task = step.task.map { "\($0): " } ?? ""
                lines.append("  - \(task)\(step.instruction)")
                if let command = step.command { lines.append("    then: \(command)") }
            }
        }
        lines.append("Tasks:")
        let width = detail.tasks.map(\.id.count).max() ?? 0
        for task in detail.tasks {
            var line = "  \(task.id.padding(toLength: width, withPad: " ", startingAt: 0))  \(task.state)"
            if task.attempts > 0 && task.state != "succeeded" { line += " (attempts: \(task.attempts))" }
            if let park = task.park { line += " — \(park.message)" }
            if let error = task.lastError, task.state != "succeeded" { line += " — \(error.message)" }
            if let confirmation = task.confirmation { line += " — confirmed by \(confirmation.actor)" }
            lines.append(line)
        }
        lines.append("Timeline:")
        for event in detail.timeline {
            let task = event.task.map { " \($0)" } ?? ""
            let reason = event.reason.map { ": \($0)" } ?? ""
            lines.append("  \(event.at.formatted(.iso8601)) \(event.actor) \(event.action)\(task)\(reason)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
