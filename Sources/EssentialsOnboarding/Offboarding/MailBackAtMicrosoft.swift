public import OnboardingEngine

/// The customer's DNS no longer sends mail through Essentials: no MX record of a domain names an
/// Essentials host, and no SPF record names Essentials. A person makes the change (nobody else
/// can); the task waits, re-checking DNS on a schedule, and says per domain what is left.
/// `*.onmicrosoft.com` domains are not checked (Microsoft owns their DNS).
public struct MailBackAtMicrosoft: OnboardingTask {
    let services: OnboardingServices
    let configuration: OnboardingConfiguration

    /// This task's key: its id, typed with its output.
    public static let key = TaskKey<Output>("mail-back-at-microsoft")
    public var id: TaskID { Self.key.id }
    public var dependencies: [TaskID] { [LiftLockdown.key.id, DisableOutboundConnector.key.id] }
    public var requiredPermissions: Set<Permission> { [GuidePermissions.domainReadAll] }
    public var effect: TaskEffect { .readOnly }

    public func run(_ context: TaskContext) async throws -> NoOutput {
        let left = try await remaining()
        guard left.isEmpty else {
            let perDomain = left.map { "\($0.domain): \($0.changes.joined(separator: "; "))." }.joined(separator: " ")
            throw TaskInterruption.waitingForCondition(
                "Inbound mail is accepted from anywhere and outbound mail no longer goes through Essentials; now the customer's DNS must stop sending mail there. \(perDomain) Keep include:spf.protection.outlook.com in SPF. Essentials' connectors and rules are removed after that; DNS is re-checked every \(Int(configuration.mxRecheck.components.seconds)) s.",
                recheckAfter: configuration.mxRecheck)
        }
        return NoOutput()
    }

    public func observe(_ context: TaskContext) async throws -> Observation {
        .wouldChange(try await remaining().map { "wait for the DNS of \($0.domain) to stop naming Essentials (\($0.changes.joined(separator: "; ")))" })
    }

    /// Each domain whose DNS still names Essentials, with what to change.
    private func remaining() async throws -> [(domain: String, changes: [String])] {
        let domains = try await call(needing: GuidePermissions.domainReadAll) { try await services.graph.domains() }
            .filter { $0.isMailDomain && !$0.isMicrosoftOwned }.map(\.id).sorted()
        let essentialsHosts = Set(configuration.essentialsMXHosts)
        let mechanisms = configuration.spfMechanisms.map { $0.lowercased() }
        var left: [(String, [String])] = []
        for domain in domains {
            var changes: [String] = []
            let exchanges = try await call { try await services.dns.mxRecords(domain) }
            let essentials = exchanges.filter { essentialsHosts.contains($0) }
            if !essentials.isEmpty {
                changes.append(
                    "its MX names \(essentials.joined(separator: ", ")); point it back at \(MailBackAtMicrosoft.microsoftMX(for: domain))")
            }
            let records = try await call { try await services.dns.txtRecords(domain) }
            let named = SPFLint.spfRecords(records).flatMap(SPFLint.terms)
                .filter { mechanisms.contains(SPFLint.unqualified($0).lowercased()) }
            if !named.isEmpty { changes.append("its SPF record still has \(named.joined(separator: " ")); remove it") }
            if !changes.isEmpty { left.append((domain, changes)) }
        }
        return left
    }

    /// Exchange Online's mail exchanger for a domain: `contoso-com.mail.protection.outlook.com`.
    static func microsoftMX(for domain: String) -> String {
        domain.lowercased().replacingOccurrences(of: ".", with: "-") + ".mail.protection.outlook.com"
    }
}
