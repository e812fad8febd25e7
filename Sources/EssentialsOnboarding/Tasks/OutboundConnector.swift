public import OnboardingEngine

/// The outbound connector through Essentials' smart hosts, created **disabled**: it is enabled only
/// after SPF includes Essentials (``EnableOutboundConnector``).
public struct OutboundConnector: OnboardingTask {
    let services: OnboardingServices
    let configuration: OnboardingConfiguration

    /// This task's key: its id, typed with its output.
    public static let key = TaskKey<Output>("outbound-connector")
    public var id: TaskID { Self.key.id }
    public var dependencies: [TaskID] { [ExchangeAppRole.key.id, ExchangeAdministratorRole.key.id] }
    public var requiredPermissions: Set<Permission> { [GuidePermissions.exchangeManageAsApp] }
    public var retryPolicy: RetryPolicy { configuration.exchangeRetry }

    var object: ExchangeObject {
        // Enabled is set at creation only: correcting drift must never switch mail flow on or off.
        let properties: [String: JSONValue] = [
            "ConnectorType": "Partner", "RecipientDomains": ["*"],
            "SmartHosts": .array(configuration.outboundSmartHosts.map(JSONValue.string)), "UseMXRecord": false,
            "TlsSettings": "EncryptionOnly",
        ]
        return ExchangeObject(
            services: services, noun: "OutboundConnector", name: configuration.outboundConnectorName,
            created: properties.merging(["Enabled": false]) { $1 }, corrected: properties)
    }

    public func run(_ context: TaskContext) async throws -> NoOutput {
        try await object.ensure()
        return NoOutput()
    }

    public func observe(_ context: TaskContext) async throws -> Observation { .wouldChange(try await object.plannedChanges()) }
}
