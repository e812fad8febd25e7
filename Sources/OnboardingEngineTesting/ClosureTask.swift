import OnboardingEngine

/// A task built from a closure, for tests and small hosts.
///
/// ```swift
/// let fetch = ClosureTask(id: "fetch", output: Int.self) { _ in 42 }
/// let print = ClosureTask(id: "print", dependencies: ["fetch"]) { context in
///     print(try context.output(of: fetch))
///     return NoOutput()
/// }
/// ```
public struct ClosureTask<Output: Codable & Sendable>: OnboardingTask {
    /// The task's id.
    public let id: TaskID
    /// Its version.
    public let version: Int
    /// Its dependencies.
    public let dependencies: [TaskID]
    /// The permissions it declares.
    public let requiredPermissions: Set<Permission>
    /// Whether it changes anything.
    public let effect: TaskEffect
    /// How it is retried.
    public let retryPolicy: RetryPolicy
    private let body: @Sendable (TaskContext) async throws -> Output
    private let observeBody: (@Sendable (TaskContext) async throws -> Observation)?

    /// Creates a task that runs `body`.
    public init(
        id: TaskID,
        version: Int = 1,
        dependencies: [TaskID] = [],
        requiredPermissions: Set<Permission> = [],
        effect: TaskEffect = .mutating,
        retryPolicy: RetryPolicy = .standard,
        output: Output.Type = Output.self,
        observe: (@Sendable (TaskContext) async throws -> Observation)? = nil,
        run body: @escaping @Sendable (TaskContext) async throws -> Output
    ) {
        self.id = id
        self.version = version
        self.dependencies = dependencies
        self.requiredPermissions = requiredPermissions
        self.effect = effect
        self.retryPolicy = retryPolicy
        self.body = body
        self.observeBody = observe
    }

    /// Calls the closure.
    public func run(_ context: TaskContext) async throws -> Output { try await body(context) }

    /// Calls the observe closure, or says the state is unknown.
    public func observe(_ context: TaskContext) async throws -> Observation {
        try await observeBody?(context) ?? .unknown("no observe closure")
    }
}
