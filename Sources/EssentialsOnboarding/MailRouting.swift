/// Where the tenant's inbound mail arrives, read from its domains' MX records: through
/// Essentials only when every MX record of a domain names one of the region's Essentials hosts.
///
/// Locking inbound mail to Essentials is safe only while that holds for every domain whose MX
/// the customer controls; `*.onmicrosoft.com` domains are never gated (Microsoft owns their DNS
/// and their MX always names Exchange Online).
struct MailRouting: Sendable {
    let dns: DNSResolver
    let essentialsHosts: [String]

    init(services: OnboardingServices, configuration: OnboardingConfiguration) {
        dns = services.dns
        essentialsHosts = configuration.essentialsMXHosts
    }

    /// The domains whose MX can point at Essentials: all but `*.onmicrosoft.com`.
    static func gated(_ domains: [String]) -> [String] {
        domains.filter { !GraphDomain.isMicrosoftOwned($0) }
    }

    /// Each domain whose mail does not (only) arrive through Essentials, with what to change, in
    /// the given order.
    func notThroughEssentials(_ domains: [String]) async throws -> [(domain: String, problem: String)] {
        let hosts = Set(essentialsHosts)
        var found: [(String, String)] = []
        for domain in domains {
            let exchanges = try await call { try await dns.mxRecords(domain) }
            let others = exchanges.filter { !hosts.contains($0) }
            guard exchanges.isEmpty || !others.isEmpty else { continue }
            let wanted = essentialsHosts.joined(separator: " and ")
            let problem =
                exchanges.isEmpty
                ? "it has no MX record; add \(wanted)"
                : "its MX names \(others.joined(separator: ", ")); make \(wanted) its only MX records"
            found.append((domain, problem))
        }
        return found
    }

    /// Why restricting inbound mail to Essentials' addresses would reject mail now, or `nil`
    /// when every gated domain's mail arrives through Essentials.
    func lockdownHazard(imported: [String]) async throws -> String? {
        let domains = Self.gated(imported)
        guard !domains.isEmpty else { return "no domain's mail arrives through Essentials" }
        let problems = try await notThroughEssentials(domains)
        guard !problems.isEmpty else { return nil }
        return "the MX of \(problems.map(\.domain).joined(separator: ", ")) does not point at Essentials"
    }
}
