import ArgumentParser
import Foundation
import OnboardingConsole
import OnboardingEngine

/// `onboard retry RUN TASK [--from]`: gives a failed, blocked or waiting task a fresh attempt
/// budget (or, with `--from`, re-runs it and everything after it), then resumes the run.
///
/// `onboard retry --where FILTER --reason WHY [--apply]`: the same for every run the filter selects
/// (the console's bulk action, ``BulkOperation``): without `--apply` a preview that writes nothing;
/// with it, one journaled retry per run, and the runs are left for a worker (or `onboard resume`).
struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry", abstract: "Retry a task (or, with --from, it and everything after it), then resume.",
        discussion: """
            With --where, retry the task in every run the filter selects, e.g. \
            --where 'state=failed,task=import-domains' (keys: state, workflow, search, task, code, stalled): the task \
            named by task=, else the task each run stopped at. Without --apply this only previews what each run would \
            do (nothing is written); with --apply each run gets one journaled retry, and a worker (onboard serve) \
            continues the runs. Exit 0 when every run was retried (or would be), 7 when some were refused.

            \(ExitStatus.helpText)
            """)

    @OptionGroup var journalOption: JournalOption
    @OptionGroup var actorOption: ActorOption
    @OptionGroup var resumeOption: ResumeOption
    @Argument(help: "The run's id.") var runID: String?
    @Argument(help: "The task's id.") var taskID: String?
    @Flag(help: "Re-run the task and every task after it, even those that succeeded.") var from = false
    @Option(help: "Why, recorded in the journal (required with --where).") var reason: String?
    @Option(
        name: .customLong("where"),
        help: "Retry in every run that matches, e.g. 'state=failed,task=import-domains'; a preview unless --apply.")
    var filter: String?
    @Flag(help: "With --where: retry for real (without it, only a preview; nothing is written).") var apply = false
    @Flag(help: "With --where: print the per-run report as JSON.") var json = false

    func validate() throws {
        if let filter {
            guard runID == nil && taskID == nil else {
                throw ValidationError("Give either RUN TASK or --where, not both.")
            }
            do { _ = try RunFilter(where: filter) } catch let error as ConsoleError { throw ValidationError(error.message) }
            guard reason.map({ !$0.trimmingCharacters(in: .whitespaces).isEmpty }) == true else {
                throw ValidationError("--where needs --reason: each run's timeline records why.")
            }
        } else {
            guard runID != nil, taskID != nil else { throw ValidationError("Give the run and the task (or --where).") }
            if apply || json { throw ValidationError("--apply and --json go with --where.") }
        }
    }

    func run() async throws {
        if let filter { return try await retryWhere(try RunFilter(where: filter)) }
        guard let runID, let taskID else { return }
        try await SupportSession.with(journalOption) { session in
            let run = try await session.run(runID)
            let task = TaskID(taskID)
            // Resuming needs the run's workflow: refuse one onboard does not host before writing anything.
            if !resumeOption.noResume { _ = try session.input(of: run) }
            if from {
                try await session.engine.retry(from: task, in: run.id, actor: actorOption.name, reason: reason)
                print("Marked '\(task)' and everything after it to run again.")
            } else {
                try await session.engine.retry(task, in: run.id, actor: actorOption.name, reason: reason)
                print("Marked '\(task)' to run again with a fresh attempt budget.")
            }
            if await session.explain(.recorded, run: run.id) { return }
            if resumeOption.noResume { return print("Resume with: onboard resume \(run.id)") }
            try await session.resumeAndReport(run.id, actor: actorOption.name, reason: "onboard retry \(task)")
        }
    }

    /// The bulk retry: a preview, or with `--apply` one retry per run, through ``BulkOperation``.
    private func retryWhere(_ filter: RunFilter) async throws {
        let report = try await SupportSession.with(journalOption) { session in
            let operation = BulkOperation(engine: session.engine, host: HostConsole(journal: session.journal))
            let action = try SupportAction(from ? .retryFrom : .retry, task: filter.task, reason: reason ?? "")
            return (
                apply
                    ? try await operation.apply(action, filter: filter, actor: actorOption.name)
                    : try await operation.preview(action, filter: filter),
                session.journal.location
            )
        }
        let (bulk, location) = report
        if json {
            try JSONOutput.print(bulk)
        } else {
            print(Self.text(bulk, filter: filter, location: location), terminator: "")
        }
        if bulk.items.contains(where: { $0.outcome != "applied" && $0.outcome != "would-apply" }) {
            throw ExitCode(ExitStatus.refused)
        }
    }

    /// The report as text: one aligned line per run, then what to do next.
    static func text(_ report: BulkReport, filter: RunFilter, location: String) -> String {
        guard !report.items.isEmpty else { return "No run matches \(filter.whereText).\n" }
        let rows = report.items.map { [$0.run, $0.labels?["tenant"] ?? "-", $0.task ?? "-", $0.outcome, $0.message] }
        let widths = (0..<4).map { column in rows.map { $0[column].count }.max() ?? 0 }
        var lines = rows.map { row in
            (0..<4).map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
                + "  " + row[4]
        }
        let ready = report.outcomes[report.applied ? "applied" : "would-apply"] ?? 0
        let journal = HostConsole.journalSuffix(location)
        if report.applied {
            lines.append("Retried \(ready) of \(report.matched) run(s); each timeline records it.")
            lines.append("A worker (onboard serve) continues them; without one, resume each: onboard resume RUN\(journal)")
        } else {
            lines.append("Preview: nothing was written. \(ready) of \(report.matched) run(s) would be retried.")
            lines.append("To retry them: onboard retry --where '\(filter.whereText)' --reason \"…\" --apply\(journal)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
