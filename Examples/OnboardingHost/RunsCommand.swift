import ArgumentParser
import Foundation
import OnboardingConsole
import OnboardingEngine

/// `onboard runs`: lists the runs in a journal, newest first, as a table or JSON, filtered by state
/// or by the same filters as the console (`--where`).
struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "List the runs in a journal, newest first.", discussion: ExitStatus.helpText)

    @OptionGroup var journalOption: JournalOption

    @Option(help: "Only runs in this state: running, succeeded, failed, waiting, blocked, cancelled.")
    var state: String?

    @Option(
        name: .customLong("where"),
        help: "Only runs that match, e.g. 'state=failed,task=import-domains' (keys: state, workflow, search, task, code, stalled).")
    var filter: String?

    @Flag(help: "Print JSON (schema: Docs/SupportTool.md).")
    var json = false

    func validate() throws {
        if let state, RunState(rawValue: state) == nil {
            let names = RunState.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("Unknown state '\(state)'; use one of: \(names).")
        }
        if let filter {
            do { _ = try RunFilter(where: filter) } catch let error as ConsoleError { throw ValidationError(error.message) }
        }
    }

    func run() async throws {
        var filter = try self.filter.map { try RunFilter(where: $0) } ?? RunFilter()
        if let state = state.flatMap({ RunState(rawValue: $0) }) { filter.states.insert(state) }
        let list = try await journalOption.withJournal(.reading) { journal in
            let host = HostConsole(journal: journal)
            filter.searchFields = host.searchFields
            let engine = journal.engine()
            var listings: [RunListing] = []
            while true {
                let page = try await engine.runs(matching: filter, limit: 500, offset: listings.count)
                listings += page.runs
                if page.runs.isEmpty || listings.count >= page.total { break }
            }
            return RunList(listings, host: host)
        }
        if json { return try JSONOutput.print(list) }
        if list.runs.isEmpty { return print("No runs.") }
        print(list.table, terminator: "")
    }
}
