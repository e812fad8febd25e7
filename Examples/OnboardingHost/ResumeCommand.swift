import ArgumentParser
import Foundation
import OnboardingEngine

/// `onboard resume RUN`: continues a run from its journal with the host workflow.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Resume a run where it stopped.", discussion: ExitStatus.helpText)

    @OptionGroup var journalOption: JournalOption
    @OptionGroup var actorOption: ActorOption
    @Argument(help: "The run's id.") var runID: String
    @Option(help: "Why, recorded in the journal.") var reason: String?
    @Flag(help: "Resume even though the workflow's tasks changed since the run began (added and changed tasks run).")
    var acceptGraphChanges = false

    func run() async throws {
        try await SupportSession.with(journalOption) { session in
            let run = try await session.run(runID)
            try await session.resumeAndReport(
                run.id, actor: actorOption.name, reason: reason ?? "onboard resume",
                acceptGraphChanges: acceptGraphChanges)
        }
    }
}
