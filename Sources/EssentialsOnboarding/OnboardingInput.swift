/// One tenant's onboarding input: journaled with the run, so it must hold nothing secret.
public struct OnboardingInput: Codable, Sendable, Hashable {
    /// The Microsoft 365 tenant id (or a verified domain of it).
    public var tenantID: String
    /// The Essentials organization's primary domain.
    public var essentialsOrg: String
    /// How often directory sync recurs, in hours, as the admin chose it.
    public var syncFrequencyHours: Int
    /// Where the admin-consent redirect goes.
    public var consentRedirectURI: String
    /// The `state` sent with the consent link and checked on the redirect. Empty (the default):
    /// a random nonce per run, made by `admin-consent` on its first attempt and kept in its
    /// checkpoint, so a forged or stale redirect for another run does not match.
    public var consentState: String
    /// Whether this org is a parent whose customers should be allowed to use integrations.
    public var isParentOrg: Bool

    /// Creates an input.
    public init(
        tenantID: String, essentialsOrg: String, syncFrequencyHours: Int = 24,
        consentRedirectURI: String = "https://localhost/consent", consentState: String = "",
        isParentOrg: Bool = false
    ) {
        self.tenantID = tenantID
        self.essentialsOrg = essentialsOrg
        self.syncFrequencyHours = syncFrequencyHours
        self.consentRedirectURI = consentRedirectURI
        self.consentState = consentState
        self.isParentOrg = isParentOrg
    }
}
