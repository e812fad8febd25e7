import ArgumentParser
import Foundation
import OnboardingEngine

/// `onboard graph`: renders the workflow's task graph (or a run's journaled graph) as Mermaid or
/// Graphviz dot.
struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph", abstract: "Render the task graph as Mermaid or Graphviz dot.",
        discussion: ExitStatus.helpText)

    /// The output formats.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case mermaid, dot
    }

    @OptionGroup var journalOption: JournalOption
    @Option(help: "mermaid or dot.") var format: Format = .mermaid
    @Option(name: .customLong("run"), help: "Render this run's journaled graph, with each task's state.") var runID:
        String?

    func run() throws {
        let renderer: GraphRenderer
        if let run = runID {
            let journal = try journalOption.openForReading()
            let record = try journal.run(RunID(run))
            let states = Dictionary(uniqueKeysWithValues: try journal.tasks(of: record.id).map { ($0.id, $0.state) })
            renderer = GraphRenderer(
                workflow: record.workflow, descriptors: try journal.graph(of: record.id), states: states)
        } else {
            let graph = try M365Host.descriptiveGraph()
            renderer = GraphRenderer(workflow: graph.workflow, descriptors: graph.descriptors, states: [:])
        }
        print(format == .mermaid ? renderer.mermaid() : renderer.dot(), terminator: "")
    }
}
