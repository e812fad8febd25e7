import ArgumentParser
import Foundation
import OnboardingEngine

/// `onboard skip RUN TASK --reason …`: marks a task done by hand so its dependents can proceed,
/// then resumes the run.
struct SkipCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skip", abstract: "Skip a task whose change was made by hand, then resume.",
        discussion: """
            When a later task reads the skipped task's output, supply one with --output as JSON of the \
            task's output type; without it the skip is refused (exit 7) and nothing is written.

            \(ExitStatus.helpText)
            """)

    @OptionGroup var journalOption: JournalOption
    @OptionGroup var actorOption: ActorOption
    @OptionGroup var resumeOption: ResumeOption
    @Argument(help: "The run's id.") var runID: String
    @Argument(help: "The task's id.") var taskID: String
    @Option(help: "Why it is skipped, recorded in the journal (required).") var reason: String
    @Option(help: "The output to record in the task's place, as JSON (e.g. '[\"contoso.com\"]').") var output: String?

    func validate() throws {
        if reason.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--reason must not be empty.") }
    }

    func run() async throws {
        try await SupportSession.with(journalOption) { session in
            let run = try await session.run(runID)
            let task = TaskID(taskID)
            let graph = try await session.graph(for: run.id)
            try await session.engine.skip(
                task, in: run.id, graph: graph, output: output.map { Array($0.utf8) },
                actor: actorOption.name, reason: reason)
            print("Skipped '\(task)'.")
            if await session.explain(.recorded, run: run.id) { return }
            if resumeOption.noResume { return print("Resume with: onboard resume \(run.id)") }
            try await session.resumeAndReport(run.id, actor: actorOption.name, reason: "onboard skip \(task)")
        }
    }
}
