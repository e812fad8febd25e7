import ArgumentParser
import Foundation
import OnboardingEngine

/// `onboard retry RUN TASK [--from]`: gives a failed, blocked or waiting task a fresh attempt
/// budget (or, with `--from`, re-runs it and everything after it), then resumes the run.
struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry", abstract: "Retry a task (or, with --from, it and everything after it), then resume.",
        discussion: ExitStatus.helpText)

    @OptionGroup var journalOption: JournalOption
    @OptionGroup var actorOption: ActorOption
    @OptionGroup var resumeOption: ResumeOption
    @Argument(help: "The run's id.") var runID: String
    @Argument(help: "The task's id.") var taskID: String
    @Flag(help: "Re-run the task and every task after it, even those that succeeded.") var from = false
    @Option(help: "Why, recorded in the journal.") var reason: String?

    func run() async throws {
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
}
