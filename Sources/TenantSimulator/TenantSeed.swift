/// A deterministic Microsoft 365 tenant: the same seed always yields the same ids, domains, users and groups.
///
/// Users and group memberships are derived from `(seed, index)` on demand, so a tenant of 100,000 users costs
/// almost no memory.
public struct TenantSeed: Sendable, Hashable {
    /// The short tenant name; the initial domain is `{name}.onmicrosoft.com`.
    public var name: String
    /// The seed all ids derive from.
    public var seed: UInt64
    /// How many users the directory holds.
    public var userCount: Int
    /// How many groups the directory holds.
    public var groupCount: Int
    /// How many members each group has (users picked deterministically).
    public var membersPerGroup: Int
    /// The tenant id; derived from `seed` when `nil`.
    public var tenantId: String?
    /// The tenant's domains; when `nil`: `{name}.onmicrosoft.com` (initial), `{name}.com` (default) and
    /// `mail.{name}.com` (verified, Email), `{name}-pending.com` (unverified) and `{name}-intune.com`
    /// (verified, no Email).
    public var domains: [SimulatedDomain]?

    /// A tenant seed.
    ///
    /// - Parameters:
    ///   - name: the short tenant name, e.g. `contoso`.
    ///   - seed: the seed ids derive from.
    ///   - userCount: how many users.
    ///   - groupCount: how many groups.
    ///   - membersPerGroup: members per group (at most `userCount`).
    public init(
        name: String = "contoso", seed: UInt64 = 1, userCount: Int = 25, groupCount: Int = 4,
        membersPerGroup: Int = 10
    ) {
        self.name = name
        self.seed = seed
        self.userCount = userCount
        self.groupCount = groupCount
        self.membersPerGroup = membersPerGroup
    }

    /// The tenant id this seed yields.
    public var resolvedTenantId: String {
        tenantId ?? DeterministicID.uuid(seed, "tenant", name)
    }

    /// The domains this seed yields.
    public var resolvedDomains: [SimulatedDomain] {
        if let domains { return domains }
        return [
            SimulatedDomain(
                name: "\(name).onmicrosoft.com", isVerified: true,
                supportedServices: ["Email", "OfficeCommunicationsOnline"], isInitial: true),
            SimulatedDomain(
                name: "\(name).com", isVerified: true, supportedServices: ["Email", "OfficeCommunicationsOnline"],
                isDefault: true),
            SimulatedDomain(name: "mail.\(name).com", isVerified: true, supportedServices: ["Email"]),
            SimulatedDomain(name: "\(name)-pending.com", isVerified: false, supportedServices: []),
            SimulatedDomain(name: "\(name)-intune.com", isVerified: true, supportedServices: ["Intune"]),
        ]
    }
}
