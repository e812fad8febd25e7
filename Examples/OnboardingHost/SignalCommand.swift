import ArgumentParser
import Foundation
import OnboardingEngine

/// `onboard signal RUN [TASK]`: "check again now" — makes a task waiting for a condition (DNS,
/// consent, propagation) or blocked on permissions re-check at once, instead of at its next
/// re-check. Without TASK, every task waiting for a condition is re-checked.
///
/// A run that a worker (`onboard serve`) or another process executes gets it within a second or
/// two; a parked run becomes due, and a live worker continues it (otherwise: `onboard resume`).
struct SignalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signal", abstract: "Make a waiting task re-check its condition now.", discussion: ExitStatus.helpText)

    @OptionGroup var journalOption: JournalOption
    @OptionGroup var actorOption: ActorOption
    @Argument(help: "The run's id.") var runID: String
    @Argument(help: "The task's id (default: every task waiting for a condition).") var taskID: String?
    @Option(help: "What changed, recorded in the journal (e.g. \"SPF record updated\").") var note: String?

    func run() async throws {
        try await SupportSession.with(journalOption) { session in
            let run = try await session.run(runID)
            let delivery = try await session.engine.signal(
                taskID.map { TaskID($0) }, in: run.id, actor: actorOption.name, note: note)
            if delivery == .alreadyDone, let taskID { return print(await session.alreadyDone(TaskID(taskID), in: run.id)) }
            print("Signalled \(taskID.map { "'\($0)'" } ?? "the waiting tasks") of run \(run.id).")
            await session.explain(delivery, run: run.id)
        }
    }
}
