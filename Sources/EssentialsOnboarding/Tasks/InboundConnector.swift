import OnboardingEngine

/// The inbound connector for mail from Essentials, with Enhanced Filtering for Connectors so
/// Exchange evaluates the real sender, not Essentials' relays.
///
/// It does not restrict the tenant's inbound mail to Essentials' ranges
/// (`RestrictDomainsToIPAddresses` is `false`): while the domains' MX records still point at
/// Microsoft, that restriction would reject every message the tenant receives. Locking inbound
/// mail to Essentials belongs after MX points at Essentials, as a separate, gated step.
public struct InboundConnector: OnboardingTask {
    let services: OnboardingServices
    let configuration: OnboardingConfiguration

    /// 2: no IP restriction; Enhanced Filtering for Connectors.
    public var version: Int { 2 }
    /// This task's key: its id, typed with its output.
    public static let key = TaskKey<Output>("inbound-connector")
    public var id: TaskID { Self.key.id }
    public var dependencies: [TaskID] { [ExchangeAppRole.key.id, ExchangeAdministratorRole.key.id] }
    public var requiredPermissions: Set<Permission> { [GuidePermissions.exchangeManageAsApp] }
    public var retryPolicy: RetryPolicy { configuration.exchangeRetry }

    var object: ExchangeObject {
        let ranges = JSONValue.array(configuration.connectorIPRanges.map(JSONValue.string))
        var properties: [String: JSONValue] = [
            "ConnectorType": "Partner", "SenderDomains": ["*"], "SenderIPAddresses": ranges,
            "RestrictDomainsToIPAddresses": false, "RequireTls": true, "Enabled": true,
        ]
        switch configuration.enhancedFiltering {
        case .skipEssentialsRanges:
            properties["EFSkipLastIP"] = false
            properties["EFSkipIPs"] = ranges
            properties["EFUsers"] = []  // everyone
        case .skipLastIP:
            properties["EFSkipIPs"] = []
            properties["EFSkipLastIP"] = true
            properties["EFUsers"] = []
        case .off:
            properties["EFSkipIPs"] = []
            properties["EFSkipLastIP"] = false
        }
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
