public import OnboardingEngine

/// Inbound mail is accepted from anywhere again: the inbound connector's
/// `RestrictDomainsToIPAddresses` is off (nothing to do when there is no connector). First, so
/// that mail arriving at Microsoft once MX moves back is never rejected.
public struct LiftLockdown: OnboardingTask {
    let services: OnboardingServices
    let configuration: OnboardingConfiguration

    /// This task's key: its id, typed with its output.
    public static let key = TaskKey<Output>("lift-lockdown")
    public var id: TaskID { Self.key.id }
    public var dependencies: [TaskID] { [] }
    public var requiredPermissions: Set<Permission> { [GuidePermissions.exchangeManageAsApp] }
    public var retryPolicy: RetryPolicy { configuration.exchangeRetry }

    var connector: ExchangeObject {
        ExchangeObject(
            services: services, noun: "InboundConnector", name: configuration.inboundConnectorName, created: [:],
            corrected: ["RestrictDomainsToIPAddresses": false])
    }

    public func run(_ context: TaskContext) async throws -> NoOutput {
        try await connector.correctIfPresent()
        return NoOutput()
    }

    public func observe(_ context: TaskContext) async throws -> Observation {
        try await connector.needsCorrection() ? .wouldChange(["lift the IP restriction of InboundConnector '\(configuration.inboundConnectorName)'"]) : .satisfied
    }
}
