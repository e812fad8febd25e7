/// The Proofpoint Essentials side: organizations (by primary domain) and the admin accounts that may call the API.
public struct EssentialsSeed: Sendable, Hashable {
    /// Organizations; a child names its parent in ``EssentialsOrgSeed/parentDomain``.
    public var organizations: [EssentialsOrgSeed]
    /// Accepted `X-User` / `X-Password` pairs (any of them may manage any organization).
    public var credentials: [EssentialsCredential]

    /// A partner `msp.example` (region us1) with one entitled customer `contoso.com`, and one admin account
    /// `admin@msp.example` / `essentials-password`.
    public init(
        organizations: [EssentialsOrgSeed] = [
            EssentialsOrgSeed(domain: "msp.example", name: "Example MSP", region: "us1"),
            EssentialsOrgSeed(
                domain: "contoso.com", name: "Contoso", region: "us1", parentDomain: "msp.example",
                features: ["m365_integration", "email_archive"]),
        ],
        credentials: [EssentialsCredential] = [
            EssentialsCredential(user: "admin@msp.example", password: "essentials-password")
        ]
    ) {
        self.organizations = organizations
        self.credentials = credentials
    }
}

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

/// An Essentials admin account (`X-User` / `X-Password`).
public struct EssentialsCredential: Sendable, Hashable {
    /// The admin's address.
    public var user: String
    /// The password.
    public var password: String

    /// A credential.
    public init(user: String, password: String) {
        self.user = user
        self.password = password
    }
}
