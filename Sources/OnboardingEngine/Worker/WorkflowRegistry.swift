/// How this process builds the graph of a journaled run, per workflow: what a worker, a resume
/// and the support actions use to continue a run they did not start.
///
/// The builder receives the run's record (its id, journaled input and options) and returns the
/// graph to continue it with. Credentials stay in the builder's closure, from the host's
/// environment or secret store, never in the journal. A builder may choose the graph's version
/// from the record (for instance its ``RunRecord/createdAt``); a graph that differs from the
/// run's journaled one is refused on resume with a readable diff unless the change is accepted.
///
/// ```swift
/// var registry = WorkflowRegistry()
/// registry.register("m365-onboarding") { run in
///     let input = try run.decodeInput(as: TenantInput.self)
///     return try TaskGraph(workflow: "m365-onboarding", tasks: tasks(for: input, credentials: vault))
/// }
/// ```
public struct WorkflowRegistry: Sendable {
    /// Builds the graph of a run of one workflow.
    public typealias Builder = @Sendable (RunRecord) async throws -> TaskGraph

    private var builders: [String: Builder] = [:]

    /// Creates an empty registry.
    public init() {}

    /// Registers (or replaces) how runs of `workflow` get their graph.
    public mutating func register(_ workflow: String, graph: @escaping Builder) {
        builders[workflow] = graph
    }

    /// The workflows registered, sorted.
    public var workflows: [String] { builders.keys.sorted() }

    /// Whether runs of `workflow` can be built here.
    public func knows(_ workflow: String) -> Bool { builders[workflow] != nil }

    /// The graph to continue `run` with.
    ///
    /// - Throws: ``EngineError`` `unknownWorkflow` naming the workflow when it is not
    ///   registered (or `invalidGraph` when the builder returns another workflow's graph);
    ///   whatever the builder throws.
    public func graph(for run: RunRecord) async throws -> TaskGraph {
        guard let build = builders[run.workflow] else {
            let known = workflows.isEmpty ? "none" : workflows.map { "'\($0)'" }.joined(separator: ", ")
            throw EngineError(
                .unknownWorkflow,
                "Run '\(run.id)' follows workflow '\(run.workflow)', which this process does not know (it knows \(known)). Continue it from a host that registers that workflow.",
                runID: run.id)
        }
        let graph = try await build(run)
        guard graph.workflow == run.workflow else {
            throw EngineError(
                .invalidGraph,
                "The graph built for run '\(run.id)' is of workflow '\(graph.workflow)', not the run's '\(run.workflow)'.",
                runID: run.id)
        }
        return graph
    }
}
