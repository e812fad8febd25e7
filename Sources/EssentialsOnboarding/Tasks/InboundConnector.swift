public import OnboardingEngine

/// The inbound connector for mail from Essentials, with Enhanced Filtering for Connectors so
/// Exchange evaluates the real sender, not Essentials' relays.
///
/// It does not restrict the tenant's inbound mail to Essentials' ranges
/// (`RestrictDomainsToIPAddresses` is `false`): while the domains' MX records still point at
/// Microsoft, that restriction would reject every message the tenant receives. Locking inbound
/// mail to Essentials is a separate, gated step (``InboundLockdown``). A restriction found on
/// while some domain's mail still arrives elsewhere (set by hand, by an older version, or left
/// after MX was moved back) is lifted: it is rejecting that domain's mail.
public struct InboundConnector: OnboardingTask {
    let services: OnboardingServices
    let configuration: OnboardingConfiguration

    /// 2: no IP restriction; Enhanced Filtering for Connectors. 3: a restriction is kept while
    /// every gated domain's MX points at Essentials, and lifted otherwise.
    public var version: Int { 3 }
    /// This task's key: its id, typed with its output.
    public static let key = TaskKey<Output>("inbound-connector")
    public var id: TaskID { Self.key.id }
    public var dependencies: [TaskID] { [ExchangeAppRole.key.id, ExchangeAdministratorRole.key.id, ImportDomains.key.id] }
    public var requiredPermissions: Set<Permission> { [GuidePermissions.exchangeManageAsApp] }
    public var retryPolicy: RetryPolicy { configuration.exchangeRetry }

    var object: ExchangeObject {
        let ranges = JSONValue.array(configuration.connectorIPRanges.map(JSONValue.string))
        var properties: [String: JSONValue] = [
            "ConnectorType": "Partner", "SenderDomains": ["*"], "SenderIPAddresses": ranges, "RequireTls": true,
            "Enabled": true,
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
        // The restriction is never a drift to correct back on: only InboundLockdown turns it on.
        return ExchangeObject(
            services: services, noun: "InboundConnector", name: configuration.inboundConnectorName,
            created: properties.merging(["RestrictDomainsToIPAddresses": false]) { $1 }, corrected: properties)
    }

    public func run(_ context: TaskContext) async throws -> NoOutput {
        let before = try await object.ensure()
        if try await hazard(of: before, context) != nil {
            try await call(needing: GuidePermissions.exchangeManageAsApp) {
                _ = try await services.exchange.invoke(
                    "Set-InboundConnector",
                    ["Identity": .string(configuration.inboundConnectorName), "RestrictDomainsToIPAddresses": false])
            }
        }
        return NoOutput()
    }

    public func observe(_ context: TaskContext) async throws -> Observation {
        let current = try await object.current()
        var changes = object.plannedChanges(for: current)
        if let hazard = try await hazard(of: current, context) {
            changes.append(
                "lift the IP restriction of InboundConnector '\(configuration.inboundConnectorName)': \(hazard), and the restriction rejects its mail")
        }
        return .wouldChange(changes)
    }

    /// Why the connector's restriction (when it is on) rejects mail that should arrive.
    private func hazard(of connector: JSONValue?, _ context: TaskContext) async throws -> String? {
        guard connector?["RestrictDomainsToIPAddresses"]?.bool == true else { return nil }
        let imported = try context.output(of: ImportDomains.key).domains
        return try await MailRouting(services: services, configuration: configuration).lockdownHazard(imported: imported)
    }
}
