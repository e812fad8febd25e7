/// A task's id that carries the type of its output, so tasks name each other without string
/// literals: a dependency, a read of its output and a skip with a stand-in output are checked by
/// the compiler, and a typo fails to build.
///
/// ```swift
/// public struct ImportDomains: OnboardingTask {
///     public static let key = TaskKey<Output>("import-domains")
///     public var id: TaskID { Self.key.id }
///     …
/// }
/// public struct EnableRelay: OnboardingTask {
///     public var dependencies: [TaskID] { [ImportDomains.key.id] }
///     public func run(_ context: TaskContext) async throws -> NoOutput {
///         let domains = try context.output(of: ImportDomains.key).domains
///         …
/// ```
public struct TaskKey<Output: Codable & Sendable>: Sendable, Hashable, CustomStringConvertible {
    /// The task's id.
    public let id: TaskID

    /// A key for the task with `id`, whose output is `Output`: `TaskKey<Output>("import-domains")`.
    /// (Not a string literal on its own, so a bare id never picks a typed overload by accident.)
    public init(_ id: TaskID) { self.id = id }

    public var description: String { id.rawValue }
}

extension TaskContext {
    /// The output of the dependency `key` names, typed by the key.
    ///
    /// - Throws: ``EngineError`` `notADependency` when it is not one of this task's
    ///   dependencies, `outputUnavailable` when it has no output, `invalidValue` when it does
    ///   not decode as the key's type.
    public func output<Output>(of key: TaskKey<Output>) throws -> Output {
        try output(of: key.id, as: Output.self)
    }
}

extension RunResult {
    /// The typed output of the task `key` names, if it succeeded (or was skipped with one).
    public func output<Output>(of key: TaskKey<Output>) throws -> Output? {
        try task(key.id)?.decodeOutput(as: Output.self)
    }
}

extension Engine {
    /// Marks the task `key` names skipped, recording `output` (typed by the key) in its place so
    /// its dependents can proceed on resume. See ``skip(_:in:graph:output:actor:reason:)``.
    public func skip<Output>(
        _ key: TaskKey<Output>, in run: RunID, graph: TaskGraph, output: Output, actor: String, reason: String
    ) async throws {
        let bytes: [UInt8]
        do {
            bytes = try JSONCoding.encode(output)
        } catch {
            throw EngineError(
                .invalidValue, "The output for '\(key)' could not be encoded as JSON: \(error).", runID: run,
                taskIDs: [key.id], underlying: error)
        }
        try await skip(key.id, in: run, graph: graph, output: bytes, actor: actor, reason: reason)
    }
}
