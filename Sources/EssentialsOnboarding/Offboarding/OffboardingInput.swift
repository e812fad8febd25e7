/// A run's input for ``EssentialsOffboarding``: the tenant, its Essentials org, and what to
/// remove on the Essentials side as well.
public struct OffboardingInput: Codable, Sendable, Hashable {
    /// The tenant id or a verified domain of the tenant.
    public var tenantID: String
    /// The Essentials org's primary domain.
    public var essentialsOrg: String
    /// Also remove the tenant's domains from the Essentials org (after mail no longer flows there).
    public var removeEssentialsDomains: Bool
    /// Also turn off the org's Azure directory sync.
    public var turnOffDirectorySync: Bool

    /// Creates an input; by default the Essentials org keeps its domains and directory sync.
    public init(tenantID: String, essentialsOrg: String, removeEssentialsDomains: Bool = false, turnOffDirectorySync: Bool = false) {
        self.tenantID = tenantID
        self.essentialsOrg = essentialsOrg
        self.removeEssentialsDomains = removeEssentialsDomains
        self.turnOffDirectorySync = turnOffDirectorySync
    }

    private enum CodingKeys: String, CodingKey {
        case tenantID, essentialsOrg, removeEssentialsDomains, turnOffDirectorySync
    }

    /// Decodes an input; the two removal choices default to `false` when absent (a host may
    /// journal its own, wider input).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        tenantID = try container.decode(String.self, forKey: .tenantID)
        essentialsOrg = try container.decode(String.self, forKey: .essentialsOrg)
        removeEssentialsDomains = try container.decodeIfPresent(Bool.self, forKey: .removeEssentialsDomains) ?? false
        turnOffDirectorySync = try container.decodeIfPresent(Bool.self, forKey: .turnOffDirectorySync) ?? false
    }
}
