public import OnboardingEngine

/// The integration guide's onboarding as a graph of idempotent tasks.
///
/// ```swift
/// let graph = try EssentialsWorkflow.graph(services: services)
/// let result = try await engine.start(graph, input: OnboardingInput(tenantID: "contoso.com", essentialsOrg: "contoso.com"))
/// ```
public enum EssentialsWorkflow {
    /// The workflow's name in the journal.
    public static let name = "m365-essentials-onboarding"

    /// Every task, with `services` (credentials inside) and `configuration`.
    public static func tasks(
        services: OnboardingServices, configuration: OnboardingConfiguration = OnboardingConfiguration()
    ) -> [any OnboardingTask] {
        var tasks: [any OnboardingTask] = [
            FeatureEntitlement(services: services, configuration: configuration),
            AdminConsent(services: services, configuration: configuration),
            ServicePrincipals(services: services, configuration: configuration),
            ExchangeAppRole(services: services, configuration: configuration),
            ExchangeAdministratorRole(services: services, configuration: configuration),
            ImportDomains(services: services, configuration: configuration),
            EnableRelay(services: services),
            DirectorySyncSettings(services: services),
            DirectorySyncSchedule(services: services),
            FirstDirectorySync(services: services, configuration: configuration),
            InboundConnector(services: services, configuration: configuration),
            OutboundConnector(services: services, configuration: configuration),
            BypassSpamRule(services: services, configuration: configuration),
            SPFCheck(services: services, configuration: configuration),
            EnableOutboundConnector(services: services, configuration: configuration),
            RemediationReadiness(services: services),
            ChildOrganizations(services: services),
        ]
        if configuration.inboundLockdown {
            tasks += [
                MXCheck(services: services, configuration: configuration),
                LockdownAudit(services: services, configuration: configuration),
                InboundLockdown(services: services, configuration: configuration),
            ]
        }
        return tasks
    }

    /// The validated graph.
    public static func graph(
        services: OnboardingServices, configuration: OnboardingConfiguration = OnboardingConfiguration()
    ) throws -> TaskGraph {
        try TaskGraph(workflow: name, tasks: tasks(services: services, configuration: configuration))
    }
}
