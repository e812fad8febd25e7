public import OnboardingEngine

/// Taking a tenant off Essentials, in the order that never bounces mail, as a graph of
/// idempotent tasks (each one `observe`s, so a plan shows what would change and a resume after
/// a crash repeats nothing).
///
/// 1. `lift-lockdown` and `disable-outbound-connector` first: from then on the tenant accepts mail
///    from anywhere and sends it directly, so the DNS change cannot bounce anything.
/// 2. `mail-back-at-microsoft`: a person points MX back at Microsoft and takes Essentials out of
///    SPF; the task waits, re-checking DNS, until it sees both.
/// 3. Only then the Exchange objects go (`remove-outbound-connector`, `remove-bypass-rule`,
///    `remove-audit-rule`, `remove-inbound-connector`): mail still queued at Essentials keeps
///    arriving through the connector until MX has moved.
/// 4. `remove-app-roles` takes back the app's Exchange roles (last: the removals above need them),
///    `essentials-cleanup` optionally removes the domains and turns off directory sync, and
///    `remove-enterprise-app` waits for a person to delete the application in Entra.
///
/// The integration notes list the DNS change first and lifting the lockdown later; with the
/// lockdown still on once MX points at Microsoft, every inbound message would be rejected, and
/// with Essentials out of SPF while the outbound connector still relays, outbound mail would
/// fail SPF. Hence the order above.
///
/// ```swift
/// let graph = try EssentialsOffboarding.graph(services: services)
/// let result = try await engine.start(graph, input: OffboardingInput(tenantID: "contoso.com", essentialsOrg: "contoso.com"))
/// ```
public enum EssentialsOffboarding {
    /// The workflow's name in the journal.
    public static let name = "m365-essentials-offboarding"

    /// Every task, with `services` (credentials inside) and `configuration` (the same names the
    /// onboarding used).
    public static func tasks(
        services: OnboardingServices, configuration: OnboardingConfiguration = OnboardingConfiguration()
    ) -> [any OnboardingTask] {
        let afterMail: [TaskID] = [MailBackAtMicrosoft.key.id]
        return [
            LiftLockdown(services: services, configuration: configuration),
            DisableOutboundConnector(services: services, configuration: configuration),
            MailBackAtMicrosoft(services: services, configuration: configuration),
            RemoveExchangeObject(
                id: "remove-outbound-connector", dependencies: afterMail + [DisableOutboundConnector.key.id],
                services: services, noun: "OutboundConnector", name: configuration.outboundConnectorName,
                retryPolicy: configuration.exchangeRetry),
            RemoveExchangeObject(
                id: "remove-bypass-rule", dependencies: afterMail, services: services, noun: "TransportRule",
                name: configuration.bypassRuleName, retryPolicy: configuration.exchangeRetry),
            RemoveExchangeObject(
                id: "remove-audit-rule", dependencies: afterMail, services: services, noun: "TransportRule",
                name: configuration.lockdownAuditRuleName, retryPolicy: configuration.exchangeRetry),
            RemoveExchangeObject(
                id: "remove-inbound-connector", dependencies: afterMail + [LiftLockdown.key.id], services: services,
                noun: "InboundConnector", name: configuration.inboundConnectorName, retryPolicy: configuration.exchangeRetry),
            RemoveAppRoles(services: services, configuration: configuration),
            EssentialsCleanup(services: services),
            RemoveEnterpriseApp(services: services),
        ]
    }

    /// The validated graph.
    public static func graph(
        services: OnboardingServices, configuration: OnboardingConfiguration = OnboardingConfiguration()
    ) throws -> TaskGraph {
        try TaskGraph(workflow: name, tasks: tasks(services: services, configuration: configuration))
    }
}
