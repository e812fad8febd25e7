/// One idempotent step of an onboarding: a value the engine runs, journals, retries and resumes.
///
/// A task declares its stable ``id``, what it ``dependencies`` on, the ``requiredPermissions`` it
/// needs and its ``effect``. The engine may call ``run(_:)`` again after a crash, so `run` must be
/// idempotent: look at the current state, change only the difference, and return what is now true.
///
/// ```swift
/// struct CreateConnector: OnboardingTask {
///     let exchange: ExchangeClient           // credentials live here, never in the journal
///     var id: TaskID { "inbound-connector" }
///     var dependencies: [TaskID] { ["exchange-role"] }
///     var requiredPermissions: Set<Permission> { ["Exchange.ManageAsApp"] }
///
///     func run(_ context: TaskContext) async throws -> ConnectorSummary {
///         let role = try context.output(of: ExchangeRole.self, id: "exchange-role")
///         return try await exchange.ensureInboundConnector(using: role)
///     }
/// }
/// ```
public protocol OnboardingTask: Sendable {
    /// What `run` returns; journaled as JSON and readable by dependents.
    associatedtype Output: Codable & Sendable = NoOutput

    /// The task's stable id within its graph.
    var id: TaskID { get }
    /// The task's version; bump it when `run` changes meaningfully. A changed version is a graph change.
    var version: Int { get }
    /// The ids of the tasks that must succeed (or be skipped) before this one starts.
    var dependencies: [TaskID] { get }
    /// The permissions `run` needs. Used by the preflight and to block the task before it fails.
    var requiredPermissions: Set<Permission> { get }
    /// Whether the task changes anything; `mutating` tasks respect change windows.
    var effect: TaskEffect { get }
    /// How the engine retries retryable failures.
    var retryPolicy: RetryPolicy { get }

    /// Brings the world to the desired state and returns what is now true.
    ///
    /// Throw a ``TaskInterruption`` to fail permanently, block on permissions or wait; any other
    /// error is retried according to ``retryPolicy``.
    func run(_ context: TaskContext) async throws -> Output

    /// Looks without changing anything: does the desired state hold, and what would `run` change?
    ///
    /// The default says the state is unknown. Plans and dry runs call this and never `run`.
    func observe(_ context: TaskContext) async throws -> Observation
}

extension OnboardingTask {
    /// Version 1.
    public var version: Int { 1 }
    /// No dependencies.
    public var dependencies: [TaskID] { [] }
    /// No permissions.
    public var requiredPermissions: Set<Permission> { [] }
    /// `mutating`, the safe default for change windows.
    public var effect: TaskEffect { .mutating }
    /// ``RetryPolicy/standard``.
    public var retryPolicy: RetryPolicy { .standard }

    /// Says the state is unknown: the task offers no read-only look.
    public func observe(_ context: TaskContext) async throws -> Observation {
        .unknown("This task cannot tell what it would change without running.")
    }
}

/// The output of a task that returns nothing. Such a task may be skipped without supplying an output.
public struct NoOutput: Codable, Sendable, Hashable {
    /// The empty output.
    public init() {}
}
