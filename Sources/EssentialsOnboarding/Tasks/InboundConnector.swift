import OnboardingEngine

/// The inbound connector that accepts mail from Essentials' sending ranges only.
public struct InboundConnector: OnboardingTask {
    let services: OnboardingServices
    let configuration: OnboardingConfiguration

    public var id: TaskID { "inbound-connector" }
    public var dependencies: [TaskID] { ["exchange-app-role", "exchange-admin-role"] }
    public var requiredPermissions: Set<Permission> { [GuidePermissions.exchangeManageAsApp] }
    public var retryPolicy: RetryPolicy { configuration.exchangeRetry }

    var object: ExchangeObject {
        let properties: [String: JSONValue] = [
            "ConnectorType": "Partner", "SenderDomains": ["*"],
            "SenderIPAddresses": .array(configuration.connectorIPRanges.map(JSONValue.string)),
            "RestrictDomainsToIPAddresses": true, "RequireTls": true, "Enabled": true,
        ]
        return ExchangeObject(
            services: services, noun: "InboundConnector", name: configuration.inboundConnectorName, created: properties,
            corrected: properties)
    }

    public func run(_ context: TaskContext) async throws -> NoOutput {
        try await object.ensure()
        return NoOutput()
    }

    public func observe(_ context: TaskContext) async throws -> Observation { .wouldChange(try await object.plannedChanges()) }
}
