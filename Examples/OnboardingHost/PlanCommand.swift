import ArgumentParser
import Foundation
import Logging
import OnboardingEngine

/// `onboard plan`: what a new run (or `--run RUN`) would change, from each task's `observe`,
/// and the permissions each task needs. Calls no task's `run` and writes nothing.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "Show what a run would change and the permissions it needs; changes nothing.",
        discussion: """
            Without --run, plans a new run against a fresh demo tenant (the simulator, seeded as by \
            `onboard demo`); the journal is not opened. With --run, plans from that run's journaled \
            state and outputs, asking its services (a demo run's tenant is started again from its file).

            \(ExitStatus.helpText)
            """)

    @OptionGroup var journalOption: JournalOption
    @Option(name: .customLong("run"), help: "Plan from this run's journaled state instead of a new run.") var runID:
        String?
    @Flag(help: "Print JSON (schema: Docs/SupportTool.md).") var json = false

    func run() async throws {
        let plan: Plan
        if let run = runID {
            plan = try await SupportSession.with(journalOption) { session in
                let record = try await session.run(run)
                let input = try session.input(of: record)
                return try await session.withLiveGraph(for: input, workflow: record.workflow) { graph, _ in
                    try await session.engine.plan(graph, run: record.id, input: input)
                }
            }
        } else {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("onboard-plan-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let settings = try DemoCommand.parse([]).settings(stateFile: folder.appendingPathComponent("tenant.json").path)
            plan = try await DemoTenant.run(settings, creating: true) { tenant in
                try await PlanCommand.planNewRun(try tenant.graph(), input: try tenant.runInput)
            }
        }
        let report = PlanReport(plan)
        if json { return try JSONOutput.print(report) }
        print(PlanCommand.text(report), terminator: "")
    }

    /// Plans a new run against a throwaway journal, so the real one is neither created nor touched.
    static func planNewRun<Input: Encodable & Sendable>(_ graph: TaskGraph, input: Input) async throws -> Plan {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "onboard-plan-\(UUID().uuidString).sqlite"
        ).path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let engine = Engine(
            journal: try Journal(path: path),
            logger: Logger(label: "onboard", factory: { _ in SwiftLogNoOpLogHandler() }))
        return try await engine.plan(graph, input: input)
    }

    /// The human-readable view of `report`.
    static func text(_ report: PlanReport) -> String {
        var lines = ["Plan for \(report.run.map { "run \($0)" } ?? "a new run") of \(report.workflow):"]
        for task in report.tasks {
            let permissions =
                task.requiredPermissions.isEmpty ? "" : "  needs \(task.requiredPermissions.joined(separator: ", "))"
            guard task.wouldRun else {
                lines.append("  = \(task.id): \(task.state), nothing to do")
                continue
            }
            switch task.observation?.status {
            case "satisfied": lines.append("  = \(task.id): already as desired\(permissions)")
            case "wouldChange":
                lines.append("  ~ \(task.id): would change\(permissions)")
                for change in task.observation?.changes ?? [] { lines.append("      \(change)") }
            default:
                let note = task.observation?.note.map { ": \($0)" } ?? ""
                lines.append("  ? \(task.id): cannot tell before running\(note)\(permissions)")
            }
        }
        lines.append(
            "Permissions needed: "
                + (report.requiredPermissions.isEmpty ? "none" : report.requiredPermissions.joined(separator: ", "))
        )
        return lines.joined(separator: "\n") + "\n"
    }
}
