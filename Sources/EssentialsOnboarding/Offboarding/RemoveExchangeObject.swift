public import OnboardingEngine

/// One Exchange Online object of the onboarding is gone (`Remove-NOUN`); one already gone is done.
public struct RemoveExchangeObject: OnboardingTask {
    /// The task's id, e.g. `remove-bypass-rule`.
    public let id: TaskID
    /// What must be done before the object may go.
    public let dependencies: [TaskID]
    let services: OnboardingServices
    /// The cmdlet noun: `InboundConnector`, `OutboundConnector`, `TransportRule`.
    public let noun: String
    /// The object's name.
    public let name: String
    /// How the removal is retried while Exchange throttles or the app's roles settle.
    public let retryPolicy: RetryPolicy

    /// Describes the removal of object `name` of type `noun`, as task `id`.
    public init(
        id: TaskID, dependencies: [TaskID], services: OnboardingServices, noun: String, name: String,
        retryPolicy: RetryPolicy = RetryPolicy()
    ) {
        self.id = id
        self.dependencies = dependencies
        self.services = services
        self.noun = noun
        self.name = name
        self.retryPolicy = retryPolicy
    }

    public var requiredPermissions: Set<Permission> { [GuidePermissions.exchangeManageAsApp] }

    var object: ExchangeObject { ExchangeObject(services: services, noun: noun, name: name, created: [:], corrected: [:]) }

    public func run(_ context: TaskContext) async throws -> NoOutput {
        guard try await object.current() != nil else { return NoOutput() }
        do {
            try await call(needing: GuidePermissions.exchangeManageAsApp) {
                _ = try await services.exchange.invoke("Remove-\(noun)", ["Identity": .string(name)])
            }
        } catch let error as ServiceError where error.code == .notFound {
            // Removed between the read and the call (by a person, or by an attempt that crashed after it).
        }
        return NoOutput()
    }

    public func observe(_ context: TaskContext) async throws -> Observation {
        try await object.current() == nil ? .satisfied : .wouldChange(["remove \(noun) '\(name)'"])
    }
}
