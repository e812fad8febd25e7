import Foundation

/// One simulated Microsoft 365 tenant: the seeded directory plus everything changed since.
struct TenantState: Sendable {
    struct AppRoleAssignment: Sendable, Codable {
        var id: String
        var principalId: String
        var resourceId: String
        var appRoleId: String
        var createdAt: Date
    }

    struct DirectoryRoleAssignment: Sendable, Codable {
        var id: String
        var principalId: String
        var roleDefinitionId: String
        var directoryScopeId: String
        var createdAt: Date
    }

    struct Message: Sendable, Codable {
        var id: String
        var userId: String
        var subject: String
        var parentFolderId: String
    }

    struct Change: Sendable, Codable {
        var version: Int
        var userId: String
    }

    let seed: TenantSeed
    let tenantId: String
    let domains: [SimulatedDomain]
    let graphServicePrincipalId: String
    let exchangeServicePrincipalId: String
    /// `nil`: consent approves; otherwise the `error_description` of a refusal.
    var consentRefusal: String?
    var appServicePrincipalId: String?
    var appServicePrincipalCreatedAt: Date?
    var appRoleAssignments: [AppRoleAssignment] = []
    var directoryRoleAssignments: [DirectoryRoleAssignment] = []
    var inboundConnectors: [[String: SimulatorJSON]] = []
    var outboundConnectors: [[String: SimulatorJSON]] = []
    var transportRules: [[String: SimulatorJSON]] = []
    var messages: [String: Message] = [:]
    var addedUsers: [String: SimulatorJSON] = [:]
    var addedUserOrder: [String] = []
    var removedUsers: Set<String> = []
    var userChanges: [Change] = []
    var version = 0
    var deltaGeneration = 0

    init(seed: TenantSeed) {
        self.seed = seed
        self.tenantId = seed.resolvedTenantId
        self.domains = seed.resolvedDomains
        self.graphServicePrincipalId = DeterministicID.uuid(seed.seed, "sp", "graph", tenantId)
        self.exchangeServicePrincipalId = DeterministicID.uuid(seed.seed, "sp", "exchange", tenantId)
    }

    var defaultDomain: String {
        (domains.first { $0.isDefault } ?? domains.first { $0.isInitial } ?? domains.first)?.name
            ?? "\(seed.name).onmicrosoft.com"
    }

    // MARK: Derived users and groups

    private static let givenNames = [
        "Adele", "Alex", "Diego", "Grady", "Henrietta", "Isaiah", "Johanna", "Joni", "Lee", "Lidia", "Lynne",
        "Megan", "Miriam", "Nestor", "Patti", "Pradeep",
    ]
    private static let surnames = [
        "Vance", "Wilber", "Siciliani", "Archie", "Mueller", "Langer", "Lorenz", "Sherman", "Gu", "Holloway",
        "Robbins", "Bowen", "Graham", "Wilke", "Fernandez", "Gupta",
    ]
    private static let groupNames = ["Sales", "Marketing", "Engineering", "Finance", "Legal", "Support", "Operations"]

    /// A user's id carries its index in the last twelve hex digits, so lookups need no table.
    func userId(_ index: Int) -> String { indexedId("user", index) }

    func userIndex(_ id: String) -> Int? { index(of: id, kind: "user", count: seed.userCount) }

    /// A seeded object's id: a prefix derived from the seed and `kind`, then `index` in the last twelve hex digits.
    private func indexedId(_ kind: String, _ index: Int) -> String {
        let prefix = DeterministicID.uuid(seed.seed, kind, tenantId).prefix(24)
        let hex = String(index, radix: 16)
        return prefix + String(repeating: "0", count: 12 - hex.count) + hex
    }

    /// The index an ``indexedId(_:_:)`` of `kind` carries, if `id` is one and the index is below `count`.
    private func index(of id: String, kind: String, count: Int) -> Int? {
        let lowered = id.lowercased()
        guard lowered.count == 36, let index = Int(lowered.suffix(12), radix: 16), index < count,
            indexedId(kind, index) == lowered
        else { return nil }
        return index
    }

    func seededUser(_ index: Int) -> SimulatorJSON {
        let mixed = SeededRandom.mix(seed.seed &+ UInt64(index))
        let given = Self.givenNames[Int(mixed % UInt64(Self.givenNames.count))]
        let surname = Self.surnames[Int((mixed >> 8) % UInt64(Self.surnames.count))]
        let upn = "\(given.lowercased()).\(surname.lowercased())\(index)@\(defaultDomain)"
        return [
            "id": .string(userId(index)), "displayName": .string("\(given) \(surname)"), "givenName": .string(given),
            "surname": .string(surname), "userPrincipalName": .string(upn), "mail": .string(upn),
            "accountEnabled": true, "jobTitle": nil, "businessPhones": [],
        ]
    }

    func user(id: String) -> SimulatorJSON? {
        let lowered = id.lowercased()
        if removedUsers.contains(lowered) { return nil }
        if let index = userIndex(lowered) { return seededUser(index) }
        if let added = addedUsers[lowered] { return added }
        // Graph also accepts the user principal name in place of the id.
        if let added = addedUsers.values.first(where: { $0["userPrincipalName"]?.stringValue?.lowercased() == lowered })
        {
            return added
        }
        return nil
    }

    /// Users from the cursor position on (seeded then added), skipping removed ones.
    func users(from cursor: Int, limit: Int) -> (users: [SimulatorJSON], next: Int?) {
        var result: [SimulatorJSON] = []
        var position = cursor
        let total = seed.userCount + addedUserOrder.count
        while position < total && result.count < limit {
            let id = position < seed.userCount ? userId(position) : addedUserOrder[position - seed.userCount]
            if !removedUsers.contains(id) {
                result.append(position < seed.userCount ? seededUser(position) : addedUsers[id]!)
            }
            position += 1
        }
        return (result, position < total ? position : nil)
    }

    func groupId(_ index: Int) -> String { indexedId("group", index) }

    func groupIndex(_ id: String) -> Int? { index(of: id, kind: "group", count: seed.groupCount) }

    func group(_ index: Int) -> SimulatorJSON {
        let name = "\(Self.groupNames[index % Self.groupNames.count]) \(index)"
        let nickname = name.lowercased().replacingOccurrences(of: " ", with: "")
        return [
            "id": .string(groupId(index)), "displayName": .string(name), "mailEnabled": .bool(index % 2 == 0),
            "securityEnabled": true, "mailNickname": .string(nickname),
            "mail": index % 2 == 0 ? .string("\(nickname)@\(defaultDomain)") : nil,
            "groupTypes": index % 2 == 0 ? ["Unified"] : [],
        ]
    }

    var memberCount: Int { min(seed.membersPerGroup, seed.userCount) }

    /// Member `position` of group `index`: consecutive users from a group-specific offset.
    func memberIndex(group index: Int, position: Int) -> Int {
        (index &* 7919 &+ position) % seed.userCount
    }

    // MARK: Grants

    /// The app roles of a resource service principal, as Graph lists them.
    func appRoles(ofResource resourceId: String) -> [GraphPermission]? {
        if resourceId == graphServicePrincipalId { return GraphPermission.allGraph }
        if resourceId == exchangeServicePrincipalId { return [.exchangeManageAsApp] }
        return nil
    }

    /// Names of the app roles our application holds on a resource, granted before `cutoff`.
    func grantedRoles(resourceId: String, grantedBefore cutoff: Date) -> [String] {
        guard let principal = appServicePrincipalId, let roles = appRoles(ofResource: resourceId) else { return [] }
        let ids = Set(
            appRoleAssignments.filter {
                $0.principalId == principal && $0.resourceId == resourceId && $0.createdAt <= cutoff
            }.map(\.appRoleId))
        return roles.filter { ids.contains($0.id) }.map(\.name)
    }
}
