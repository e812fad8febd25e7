/// An error from the engine about a graph, a run, a task or a support action.
///
/// Each error carries a stable ``code`` for programs and a ``message`` for people: it names the
/// run, tasks, owner or permissions involved and says what to do next.
public struct EngineError: Error, Sendable, CustomStringConvertible {
    /// What kind of problem this is. Extensible: new codes may be added in minor releases.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The stable name of the code, e.g. `"cycle"`.
        public let name: String
        private init(_ name: String) { self.name = name }

        /// Two tasks in a graph share an id.
        public static let duplicateTask = Code("duplicateTask")
        /// A task depends on an id that no task in the graph has.
        public static let unknownDependency = Code("unknownDependency")
        /// The graph's dependencies form a cycle.
        public static let cycle = Code("cycle")
        /// The graph has no tasks, or another structural problem.
        public static let invalidGraph = Code("invalidGraph")
        /// No run with that id is in the journal.
        public static let unknownRun = Code("unknownRun")
        /// The run follows a workflow this process has not registered (``WorkflowRegistry``).
        public static let unknownWorkflow = Code("unknownWorkflow")
        /// No task with that id is in the run.
        public static let unknownTask = Code("unknownTask")
        /// A run with that id already exists.
        public static let runExists = Code("runExists")
        /// Another engine holds the run's lease.
        public static let runLeased = Code("runLeased")
        /// The graph changed since the run began and the caller did not accept the change.
        public static let graphChanged = Code("graphChanged")
        /// The action does not apply to the run or task in its current state.
        public static let invalidState = Code("invalidState")
        /// A skip was refused because a dependent needs the task's output and none was supplied.
        public static let outputRequired = Code("outputRequired")
        /// A task asked for the output of a task that is not one of its dependencies.
        public static let notADependency = Code("notADependency")
        /// A dependency's output is not available (it was skipped without one, or this is a plan).
        public static let outputUnavailable = Code("outputUnavailable")
        /// The run's input, a supplied output or a checkpoint could not be encoded or decoded.
        public static let invalidValue = Code("invalidValue")

        public var description: String { name }
    }

    /// What kind of problem this is.
    public var code: Code
    /// A sentence a person can act on.
    public var message: String
    /// The run involved, if any.
    public var runID: RunID?
    /// The tasks involved, if any (the duplicates, the cycle, the task acted on).
    public var taskIDs: [TaskID]
    /// The graph differences, for ``Code-swift.struct/graphChanged``.
    public var graphDiff: GraphDiff?
    /// The underlying error, if any.
    public var underlying: (any Error)?
    /// Where in this library the error was raised.
    public var location: String

    /// Creates an engine error.
    public init(
        _ code: Code,
        _ message: String,
        runID: RunID? = nil,
        taskIDs: [TaskID] = [],
        graphDiff: GraphDiff? = nil,
        underlying: (any Error)? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.runID = runID
        self.taskIDs = taskIDs
        self.graphDiff = graphDiff
        self.underlying = underlying
        self.location = "\(file):\(line)"
    }

    public var description: String { "\(code): \(message)" }
}
