import ArgumentParser
import Foundation
import OnboardingEngine

/// `onboard cancel RUN`: cancels a run for good. A run another process executes stops at that
/// process's next lease renewal.
struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancel a run; it will not run again.", discussion: ExitStatus.helpText)

    @OptionGroup var journalOption: JournalOption
    @OptionGroup var actorOption: ActorOption
    @Argument(help: "The run's id.") var runID: String
    @Option(help: "Why, recorded in the journal.") var reason: String?

    func run() throws {
        let session = try SupportSession(journalOption)
        let run = try session.run(runID)
        try session.engine.cancel(run.id, actor: actorOption.name, reason: reason)
        let after = try session.run(runID)
        if after.state == .cancelled {
            print("Run \(run.id): cancelled")
        } else {
            print(
                "Run \(run.id): cancel requested; \(after.leaseOwner ?? "its process") stops at its next lease renewal")
        }
    }
}
