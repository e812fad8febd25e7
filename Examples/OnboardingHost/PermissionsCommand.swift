import ArgumentParser
import Foundation
import OnboardingEngine

/// `onboard permissions`: the permission table of the workflow (or of a run's journaled graph):
/// each permission and the tasks that need it.
struct PermissionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "permissions", abstract: "List each permission the workflow needs and the tasks that need it.",
        discussion: ExitStatus.helpText)

    @OptionGroup var journalOption: JournalOption
    @Option(name: .customLong("run"), help: "Use this run's journaled graph instead of the current workflow's.")
    var runID: String?
    @Flag(help: "Print JSON (schema: Docs/SupportTool.md).") var json = false

    func run() async throws {
        let table: PermissionTable
        if let run = runID {
            table = try await journalOption.withJournal(.reading) { journal in
                let engine = journal.engine()
                let record = try await engine.run(RunID(run))
                return PermissionTable(
                    workflow: record.workflow, run: record.id, descriptors: try await engine.graph(of: record.id))
            }
        } else {
            let graph = try M365Host.descriptiveGraph()
            table = PermissionTable(workflow: graph.workflow, run: nil, descriptors: graph.descriptors)
        }
        if json { return try JSONOutput.print(table) }
        let width = table.permissions.map(\.permission.count).max() ?? 0
        for row in table.permissions {
            print(
                row.permission.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                    + row.tasks.joined(separator: ", ")
            )
        }
    }
}
