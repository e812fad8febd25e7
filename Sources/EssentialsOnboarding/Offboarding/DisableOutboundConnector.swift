public import OnboardingEngine

/// Outbound mail no longer goes through Essentials: the outbound connector is disabled (nothing
/// to do when there is none). Before Essentials leaves the SPF record, so no message relayed by
/// Essentials fails SPF.
public struct DisableOutboundConnector: OnboardingTask {
    let services: OnboardingServices
    let configuration: OnboardingConfiguration

    /// This task's key: its id, typed with its output.
    public static let key = TaskKey<Output>("disable-outbound-connector")
    public var id: TaskID { Self.key.id }
    public var dependencies: [TaskID] { [] }
    public var requiredPermissions: Set<Permission> { [GuidePermissions.exchangeManageAsApp] }
    public var retryPolicy: RetryPolicy { configuration.exchangeRetry }

    var connector: ExchangeObject {
        ExchangeObject(
            services: services, noun: "OutboundConnector", name: configuration.outboundConnectorName, created: [:],
            corrected: ["Enabled": false])
    }

    public func run(_ context: TaskContext) async throws -> NoOutput {
        try await connector.correctIfPresent()
        return NoOutput()
    }

    public func observe(_ context: TaskContext) async throws -> Observation {
        try await connector.needsCorrection() ? .wouldChange(["disable OutboundConnector '\(configuration.outboundConnectorName)'"]) : .satisfied
    }
}
