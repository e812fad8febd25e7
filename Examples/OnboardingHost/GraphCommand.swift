import ArgumentParser
import Foundation
import OnboardingEngine

/// `onboard graph`: renders the workflow's task graph (or a run's journaled graph) as Mermaid or
/// Graphviz dot.
struct GraphCommand: AsyncParsableCommand {
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

    func run() async throws {
        let renderer: GraphRenderer
        if let run = runID {
            renderer = try await journalOption.withJournal(.reading) { journal in
                let engine = journal.engine()
                let record = try await engine.run(RunID(run))
                let states = Dictionary(
                    uniqueKeysWithValues: try await engine.tasks(of: record.id).map { ($0.id, $0.state) })
                return GraphRenderer(
                    workflow: record.workflow, descriptors: try await engine.graph(of: record.id), states: states)
            }
        } else {
            let graph = try M365Host.descriptiveGraph()
            renderer = GraphRenderer(workflow: graph.workflow, descriptors: graph.descriptors, states: [:])
        }
        print(format == .mermaid ? renderer.mermaid() : renderer.dot(), terminator: "")
    }
}
