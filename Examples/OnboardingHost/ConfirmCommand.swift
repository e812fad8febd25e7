import ArgumentParser
import Foundation
import OnboardingEngine

/// `onboard confirm RUN TASK`: records that a person did what a waiting task asked, then
/// resumes the run.
struct ConfirmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "confirm", abstract: "Confirm the action a waiting task asked for, then resume.",
        discussion: ExitStatus.helpText)

    @OptionGroup var journalOption: JournalOption
    @OptionGroup var actorOption: ActorOption
    @OptionGroup var resumeOption: ResumeOption
    @Argument(help: "The run's id.") var runID: String
    @Argument(help: "The task's id.") var taskID: String
    @Option(help: "What was done, recorded in the journal (e.g. \"consent granted by J. Doe\").") var note: String?

    func run() async throws {
        let session = try SupportSession(journalOption)
        let run = try session.run(runID)
        let task = TaskID(taskID)
        try session.engine.confirm(task, in: run.id, actor: actorOption.name, note: note)
        print("Confirmed '\(task)'.")
        if resumeOption.noResume { return print("Resume with: onboard resume \(run.id)") }
        try await session.resumeAndReport(run.id, actor: actorOption.name, reason: "onboard confirm \(task)")
    }
}
