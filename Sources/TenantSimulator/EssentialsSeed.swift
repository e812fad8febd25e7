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
