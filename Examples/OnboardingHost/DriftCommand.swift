import ArgumentParser
import EssentialsOnboarding
import Foundation
import OnboardingEngine

/// `onboard drift`: what changed in the tenant since a run finished, from every task's
/// `observe`, and with `--fix` the correction through a journaled re-run of what drifted.
struct DriftCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Check a finished run's tenant for drift (a connector disabled, a rule deleted…); --fix corrects it.",
        discussion: """
            Asks every task of the run to observe the tenant as it is now. Exit 0 when nothing drifted, 9 when \
            something did. With --fix, each drifted task and the tasks after it run again (recorded in the \
            run's timeline, by --actor), then the check is repeated.

            \(ExitStatus.helpText)
            """)

    @OptionGroup var journalOption: JournalOption
    @OptionGroup var actorOption: ActorOption
    @Argument(help: "The run's id.") var runID: String
    @Flag(help: "Correct what drifted by running those tasks again.") var fix = false
    @Flag(help: "Print JSON (schema: Docs/SupportTool.md).") var json = false

    func run() async throws {
        try await SupportSession.with(journalOption) { session in
            let record = try await session.run(runID)
            guard record.workflow == EssentialsWorkflow.name else {
                throw ValidationFailure("Run '\(record.id)' is an offboarding; drift is checked on an onboarding that succeeded.")
            }
            let tenant = try record.decodeInput(as: M365Host.RunInput.self).tenantID
            if let offboarding = try await OffboardCommand.offboardings(session.engine)[tenant] {
                throw ValidationFailure(
                    "The tenant of run '\(record.id)' was taken off Essentials by run '\(offboarding)': nothing of the onboarding is left to check.")
            }
            guard record.state == .succeeded else {
                throw ValidationFailure(
                    "Run '\(record.id)' is \(record.state); drift is checked on a run that succeeded.")
            }
            let input = try session.input(of: record)
            let (before, after) = try await session.withLiveGraph(for: input, workflow: record.workflow) { graph, _ -> (Plan, Plan?) in
                let before = try await session.engine.drift(graph, run: record.id)
                guard fix, !before.drifted.isEmpty else { return (before, nil) }
                let changes = before.drifted.map {
                    "\($0.id): \($0.observation?.changes.joined(separator: "; ") ?? "")"
                }
                for entry in before.drifted {
                    try await session.engine.retry(
                        from: entry.id, in: record.id, actor: actorOption.name,
                        reason: "drift: \(changes.joined(separator: " | "))")
                }
                let result = try await session.engine.resume(
                    record.id, graph: graph,
                    options: ResumeOptions(actor: actorOption.name, reason: "onboard drift --fix"))
                guard result.state == .succeeded else { throw ExitCode(ExitStatus.status(for: result.state)) }
                return (before, try await session.engine.drift(graph, run: record.id))
            }
            let report = DriftReport(
                run: record.id.rawValue, drifted: before.drifted, fixed: after != nil, after: after?.drifted ?? [])
            if json {
                try JSONOutput.print(report)
            } else {
                print(DriftCommand.text(report), terminator: "")
            }
            let remaining = after.map(\.drifted) ?? before.drifted
            if !remaining.isEmpty { throw ExitCode(ExitStatus.drifted) }
        }
    }

    static func text(_ report: DriftReport) -> String {
        var lines: [String] = []
        if report.drifted.isEmpty {
            lines.append("Run \(report.run): nothing drifted.")
        } else {
            lines.append("Run \(report.run): \(report.drifted.count) task(s) drifted:")
            for task in report.drifted {
                lines.append("  ~ \(task.id)")
                for change in task.changes { lines.append("      \(change)") }
            }
            if report.fixed {
                lines.append(
                    report.after.isEmpty
                        ? "Corrected: those tasks ran again, and nothing drifts now."
                        : "Ran those tasks again, but \(report.after.map(\.id).joined(separator: ", ")) still drift.")
            } else {
                lines.append("Correct it with: onboard drift \(report.run) --fix")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// `onboard drift --json`.
struct DriftReport: Codable, Equatable {
    struct Task: Codable, Equatable {
        var id: String
        var changes: [String]
    }

    var run: String
    /// What drifted before any fix.
    var drifted: [Task]
    /// Whether `--fix` ran.
    var fixed: Bool
    /// What still drifts after the fix (empty when corrected, or when not fixing).
    var after: [Task]

    init(run: String, drifted: [Plan.Entry], fixed: Bool, after: [Plan.Entry]) {
        func tasks(_ entries: [Plan.Entry]) -> [Task] {
            entries.map { Task(id: $0.id.rawValue, changes: $0.observation?.changes ?? []) }
        }
        self.run = run
        self.drifted = tasks(drifted)
        self.fixed = fixed
        self.after = tasks(after)
    }
}
