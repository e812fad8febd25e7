import Foundation

/// Everything a ``Simulator`` starts from: where it listens, what it seeds and how it behaves.
///
/// ```swift
/// var configuration = SimulatorConfiguration()
/// configuration.tenants = [TenantSeed(name: "fabrikam", seed: 7, userCount: 100_000)]
/// configuration.timings.servicePrincipalReplicationLag = .seconds(30)
/// ```
public struct SimulatorConfiguration: Sendable {
    /// The address both servers bind; loopback by default.
    public var host: String = "127.0.0.1"
    /// The HTTP port; `0` lets the system choose (the chosen port is in ``SimulatorEndpoints``).
    public var httpPort: Int = 0
    /// The UDP DNS port; `0` lets the system choose.
    public var dnsPort: Int = 0
    /// Whether to start the DNS server at all.
    public var dnsEnabled: Bool = true
    /// Seeds the random choices of probabilistic faults and token signing keys.
    public var seed: UInt64 = 1
    /// The Microsoft 365 tenants to simulate.
    public var tenants: [TenantSeed] = [TenantSeed()]
    /// The multi-tenant application that asks for consent and tokens.
    public var application: SimulatedApplication = SimulatedApplication()
    /// The Proofpoint Essentials organizations and admin accounts.
    public var essentials: EssentialsSeed = EssentialsSeed()
    /// Propagation delays and lifetimes; can be changed while running with ``Simulator/updateTimings(_:)``.
    public var timings: SimulatorTimings = SimulatorTimings()
    /// The wall clock; tests may replace it or move simulated time with ``Simulator/advanceTime(by:)``.
    public var now: @Sendable () -> Date = { Date() }
    /// How many requests the request log keeps (the per-route counts are never trimmed).
    public var maximumLoggedRequests: Int = 10_000
    /// How many objects an Exchange `Get-*` cmdlet answers per page; the rest follow through
    /// `@odata.nextLink` (POST the same body to it), as the real admin API pages.
    public var exchangePageSize: Int = 1000
    /// The largest request body accepted, in bytes.
    public var maximumBodySize: Int = 4 * 1024 * 1024

    /// A configuration with one seeded tenant, one Essentials partner and one customer organization.
    public init() {}

    /// The default configuration.
    public static var `default`: SimulatorConfiguration { SimulatorConfiguration() }

    /// A partner (channel) organization `msp.example` with its own tenant `msp`, and one customer
    /// organization `{name}.com` per name, each a child of the partner with its own tenant
    /// `{name}`; every organization is entitled to the Microsoft 365 integration.
    ///
    /// - Parameters:
    ///   - customers: the customers' short names, e.g. `["contoso", "fabrikam"]`.
    ///   - users: how many users each tenant has.
    public static func partner(customers: [String], users: Int = 10) -> SimulatorConfiguration {
        var configuration = SimulatorConfiguration()
        configuration.tenants = [TenantSeed(name: "msp", seed: 1_000, userCount: users, groupCount: 1)]
            + customers.enumerated().map { TenantSeed(name: $1, seed: UInt64($0 + 1), userCount: users, groupCount: 2) }
        configuration.essentials.organizations =
            [EssentialsOrgSeed(domain: "msp.example", name: "Example MSP", features: ["m365_integration"])]
            + customers.map {
                EssentialsOrgSeed(
                    domain: "\($0).com", name: $0.capitalized, parentDomain: "msp.example", features: ["m365_integration"])
            }
        return configuration
    }
}
