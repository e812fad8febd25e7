/// One Essentials organization.
public struct EssentialsOrgSeed: Sendable, Hashable {
    /// The primary domain that addresses the organization.
    public var domain: String
    /// The display name.
    public var name: String
    /// The region: `us1`…`us5` or `eu1`.
    public var region: String
    /// The parent (partner) organization's primary domain, if any.
    public var parentDomain: String?
    /// The features (entitlements) listed for the organization, e.g. `m365_integration`.
    public var features: [String]

    /// An organization.
    public init(
        domain: String, name: String, region: String = "us1", parentDomain: String? = nil,
        features: [String] = []
    ) {
        self.domain = domain
        self.name = name
        self.region = region
        self.parentDomain = parentDomain
        self.features = features
    }
}
