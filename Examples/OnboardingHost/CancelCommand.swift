import ArgumentParser
import Foundation
import OnboardingEngine

/// `onboard cancel RUN`: cancels a run for good. A run another process (a worker, say) executes
/// stops there within a second or two.
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancel a run; it will not run again.", discussion: ExitStatus.helpText)

    @OptionGroup var journalOption: JournalOption
    @OptionGroup var actorOption: ActorOption
    @Argument(help: "The run's id.") var runID: String
    @Option(help: "Why, recorded in the journal.") var reason: String?

    func run() async throws {
        try await SupportSession.with(journalOption) { session in
            let run = try await session.run(runID)
            switch try await session.engine.cancel(run.id, actor: actorOption.name, reason: reason) {
            case .sent(let owner):
                print("Run \(run.id): cancel requested; \(owner), which is running it, stops it within a few seconds")
            default:
                print("Run \(run.id): cancelled")
            }
        }
    }
}
