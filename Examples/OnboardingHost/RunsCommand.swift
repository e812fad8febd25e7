import ArgumentParser
import Foundation
import OnboardingEngine

/// `onboard runs`: lists the runs in a journal, newest first.
struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "List the runs in a journal, newest first.", discussion: ExitStatus.helpText)

    @OptionGroup var journalOption: JournalOption

    @Option(help: "Only runs in this state: running, succeeded, failed, waiting, blocked, cancelled.")
    var state: String?

    @Flag(help: "Print JSON (schema: Docs/SupportTool.md).")
    var json = false

    func validate() throws {
        if let state, RunState(rawValue: state) == nil {
            let names = RunState.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("Unknown state '\(state)'; use one of: \(names).")
        }
    }

    func run() async throws {
        let runs = try await journalOption.withJournal(.reading) { journal in
            try await journal.engine().runs(state: state.flatMap { RunState(rawValue: $0) })
        }
        if json { return try JSONOutput.print(RunList(runs)) }
        if runs.isEmpty { print("No runs.") }
        for run in runs {
            let counts = run.taskCounts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.value) \($0.key)" }
            print("\(run.id)  \(run.state)  \(run.workflow)  \(counts.joined(separator: ", "))")
        }
    }
}
