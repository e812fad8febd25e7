/// The state of one Essentials organization.
public struct EssentialsOrgSnapshot: Sendable, Hashable {
    /// The primary domain.
    public var domain: String
    /// The region.
    public var region: String
    /// The parent organization's domain.
    public var parentDomain: String?
    /// The listed features.
    public var features: [String]
    /// Domains as `GET /orgs/{domain}/domains` lists them.
    public var domains: [SimulatorJSON]
    /// Users as `GET /orgs/{domain}/users` lists them.
    public var users: [SimulatorJSON]
    /// The Azure sync settings.
    public var azureSettings: SimulatorJSON
    /// The integrations setting (`allow_customers_to_use_integrations`).
    public var integrationSettings: SimulatorJSON

    /// The snapshot as JSON.
    public var json: SimulatorJSON {
        [
            "domain": .string(domain), "region": .string(region),
            "parentDomain": parentDomain.map { .string($0) } ?? .null,
            "features": .array(features.map { .string($0) }), "domains": .array(domains), "users": .array(users),
            "azureSettings": azureSettings, "integrationSettings": integrationSettings,
        ]
    }
}
