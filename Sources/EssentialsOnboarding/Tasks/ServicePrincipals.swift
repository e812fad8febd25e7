public import OnboardingEngine

/// The application's and Exchange Online's service principals are visible (retrying through replication lag).
public struct ServicePrincipals: OnboardingTask {
    /// The two principals' object ids.
    public struct Output: Codable, Sendable, Hashable {
        /// Our application's service principal.
        public var application: String
        /// Exchange Online's service principal.
        public var exchange: String
        /// Creates an output (e.g. to supply with a skip).
        public init(application: String, exchange: String) {
            self.application = application
            self.exchange = exchange
        }
    }

    let services: OnboardingServices
    let configuration: OnboardingConfiguration

    /// This task's key: its id, typed with its output.
    public static let key = TaskKey<Output>("service-principals")
    public var id: TaskID { Self.key.id }
    public var dependencies: [TaskID] { [AdminConsent.key.id] }
    public var requiredPermissions: Set<Permission> { [GuidePermissions.applicationReadAll] }
    public var effect: TaskEffect { .readOnly }
    public var retryPolicy: RetryPolicy {
        RetryPolicy(maxAttempts: 20, initialDelay: configuration.replicationRetry, multiplier: 1.5, maxDelay: .seconds(60))
    }

    public func run(_ context: TaskContext) async throws -> Output {
        let permission = GuidePermissions.applicationReadAll
        guard let application = try await call(needing: permission, { try await services.graph.servicePrincipal(appID: services.clientID) }) else {
            throw TaskInterruption.retryable(
                "The application's service principal is not visible in Graph yet (replication after consent takes seconds to minutes).",
                retryAfter: configuration.replicationRetry, code: "replicationLag")
        }
        guard let exchange = try await call(needing: permission, { try await services.graph.servicePrincipal(appID: configuration.exchangeAppID) }) else {
            throw TaskInterruption.permanent(
                "Exchange Online's service principal (\(configuration.exchangeAppID)) is missing from the tenant: the tenant has no Exchange Online license.",
                code: "noExchange")
        }
        return Output(application: application.id, exchange: exchange.id)
    }

    public func observe(_ context: TaskContext) async throws -> Observation {
        let visible = try await services.graph.servicePrincipal(appID: services.clientID) != nil
        return visible ? .satisfied : .wouldChange(["wait for the application's service principal to replicate"])
    }
}
