public import OnboardingEngine

/// Everything about the onboarding that is not a secret and not per tenant: region, sending IP
/// ranges, smart hosts, object names, SPF mechanisms, well-known ids and re-check intervals.
///
/// The defaults come from `DOMAIN.md`; the values marked *(configurable)* there were not confirmed
/// from an official source, which is why they are settings and not constants.
public struct OnboardingConfiguration: Sendable, Hashable {
    /// The Essentials region, e.g. `us1` … `us5`, `eu1`.
    public var essentialsRegion: String
    /// The IP ranges Essentials sends from, for the inbound connector and the bypass rule.
    public var senderIPRanges: [String]
    /// The outbound connector's smart hosts.
    public var outboundSmartHosts: [String]
    /// The inbound connector's name.
    public var inboundConnectorName: String
    /// The outbound connector's name (64 characters at most).
    public var outboundConnectorName: String
    /// The transport rule's name.
    public var bypassRuleName: String
    /// SPF mechanisms that count as "includes Essentials" (any one suffices).
    public var spfMechanisms: [String]
    /// The feature that entitles an org to the integration.
    public var integrationFeature: String
    /// Exchange Online's resource application id.
    public var exchangeAppID: String
    /// The Exchange.ManageAsApp app role id.
    public var manageAsAppRoleID: String
    /// The Exchange Administrator directory role definition id.
    public var exchangeAdministratorRoleID: String
    /// How often to re-check that admin consent reached the token service.
    public var consentRecheck: Duration
    /// How long to wait for a service principal to replicate before looking again.
    public var replicationRetry: Duration
    /// How often to re-check SPF while waiting for the DNS change.
    public var spfRecheck: Duration
    /// Graph page size for directory sync (at most 999).
    public var pageSize: Int
    /// How Exchange steps are retried while the application's Exchange roles take effect (minutes).
    public var exchangeRetry: RetryPolicy
    /// Whether the tenant's `*.onmicrosoft.com` domains are imported (relayed and SPF-gated) too.
    /// Off by default: Microsoft owns their DNS, so nobody can add Essentials to their SPF record
    /// and the SPF gate would wait forever; mail for them keeps flowing through Microsoft.
    public var importMicrosoftDomains: Bool
    /// How Exchange finds the real sender behind Essentials (Enhanced Filtering for Connectors).
    public var enhancedFiltering: EnhancedFiltering
    /// Whether the onboarding ends by locking inbound mail to Essentials (``MXCheck``,
    /// ``LockdownAudit``, ``InboundLockdown``): after every imported domain's MX points at
    /// Essentials, an audit period, then a person's go-ahead. Off: those tasks are not in the graph.
    public var inboundLockdown: Bool
    /// The region's Essentials mail exchangers; a domain's mail flows through Essentials when all
    /// of its MX records name one of these.
    public var essentialsMXHosts: [String]
    /// How often to re-check MX while waiting for the customer to point it at Essentials.
    public var mxRecheck: Duration
    /// The audit transport rule's name (it stamps mail that did not come through Essentials).
    public var lockdownAuditRuleName: String
    /// The header the audit rule stamps.
    public var lockdownAuditHeaderName: String
    /// The value the audit rule stamps in ``lockdownAuditHeaderName``.
    public var lockdownAuditHeaderValue: String

    /// Creates a configuration; every parameter defaults to `DOMAIN.md`'s value.
    public init(
        essentialsRegion: String = "us1",
        senderIPRanges: [String] = OnboardingConfiguration.usSenderIPRanges,
        outboundSmartHosts: [String] = ["outbound-us1.ppe-hosted.com"],
        inboundConnectorName: String = "Proofpoint Essentials Inbound",
        outboundConnectorName: String = "Proofpoint Essentials Outbound",
        bypassRuleName: String = "Bypass Spam Filtering for Proofpoint Essentials",
        spfMechanisms: [String] = [
            "include:_spf-us.ppe-hosted.com", "include:_spf-eu.ppe-hosted.com", "a:dispatch-us.ppe-hosted.com",
            "a:dispatch-eu.ppe-hosted.com",
        ],
        integrationFeature: String = "m365_integration",
        exchangeAppID: String = "00000002-0000-0ff1-ce00-000000000000",
        manageAsAppRoleID: String = "dc50a0fb-09a3-484d-be87-e023b12c6440",
        exchangeAdministratorRoleID: String = "29232cdf-9323-42fd-ade2-1d097af3e4de",
        consentRecheck: Duration = .seconds(30),
        replicationRetry: Duration = .seconds(15),
        spfRecheck: Duration = .seconds(900),
        pageSize: Int = 999,
        exchangeRetry: RetryPolicy = RetryPolicy(maxAttempts: 30, initialDelay: .seconds(10), maxDelay: .seconds(300)),
        importMicrosoftDomains: Bool = false,
        enhancedFiltering: EnhancedFiltering = .skipEssentialsRanges,
        inboundLockdown: Bool = true,
        essentialsMXHosts: [String] = ["mx1-us1.ppe-hosted.com", "mx2-us1.ppe-hosted.com"],
        mxRecheck: Duration = .seconds(900),
        lockdownAuditRuleName: String = "Proofpoint Essentials Lockdown Audit",
        lockdownAuditHeaderName: String = "X-Essentials-Lockdown-Audit",
        lockdownAuditHeaderValue: String = "Would be rejected: did not arrive through Proofpoint Essentials"
    ) {
        self.inboundLockdown = inboundLockdown
        self.essentialsMXHosts = essentialsMXHosts.map { $0.lowercased() }
        self.mxRecheck = mxRecheck
        self.lockdownAuditRuleName = lockdownAuditRuleName
        self.lockdownAuditHeaderName = lockdownAuditHeaderName
        self.lockdownAuditHeaderValue = lockdownAuditHeaderValue
        self.importMicrosoftDomains = importMicrosoftDomains
        self.enhancedFiltering = enhancedFiltering
        self.essentialsRegion = essentialsRegion
        self.senderIPRanges = senderIPRanges
        self.outboundSmartHosts = outboundSmartHosts
        self.inboundConnectorName = inboundConnectorName
        self.outboundConnectorName = outboundConnectorName
        self.bypassRuleName = bypassRuleName
        self.spfMechanisms = spfMechanisms
        self.integrationFeature = integrationFeature
        self.exchangeAppID = exchangeAppID
        self.manageAsAppRoleID = manageAsAppRoleID
        self.exchangeAdministratorRoleID = exchangeAdministratorRoleID
        self.consentRecheck = consentRecheck
        self.replicationRetry = replicationRetry
        self.spfRecheck = spfRecheck
        self.pageSize = min(999, max(1, pageSize))
        self.exchangeRetry = exchangeRetry
    }

    /// Essentials' US sending ranges (`DOMAIN.md`, configurable).
    public static let usSenderIPRanges = [
        "67.231.144.0/24", "67.231.145.0/24", "67.231.146.0/24", "67.231.147.0/24", "67.231.148.0/24",
        "67.231.149.0/24", "67.231.152.0/24", "67.231.153.0/24", "67.231.154.0/24", "67.231.155.0/24",
        "67.231.156.0/24", "148.163.128.0/19",
    ]

    /// The sender ranges split into /24 (or narrower) blocks, which is all an inbound connector takes.
    public var connectorIPRanges: [String] { senderIPRanges.flatMap(IPv4Range.split24) }
}

/// IPv4 CIDR arithmetic for connector ranges.
enum IPv4Range {
    /// Splits `a.b.c.d/n` with n < 24 into /24 blocks; narrower ranges are kept as they are.
    static func split24(_ cidr: String) -> [String] {
        let parts = cidr.split(separator: "/")
        guard parts.count == 2, let prefix = Int(parts[1]), prefix < 24 else { return [cidr] }
        let octets = parts[0].split(separator: ".").compactMap { UInt32($0) }
        guard octets.count == 4 else { return [cidr] }
        let address = octets.reduce(0) { $0 << 8 | $1 }
        let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << (32 - UInt32(prefix))
        let network = address & mask
        return (0..<(1 << (24 - prefix))).map { block in
            let value = network + UInt32(block) << 8
            return "\(value >> 24).\(value >> 16 & 255).\(value >> 8 & 255).0/24"
        }
    }
}
