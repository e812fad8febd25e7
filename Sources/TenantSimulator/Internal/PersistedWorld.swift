import Foundation

/// What a state file holds: everything about the simulated world that changes, and nothing the
/// configuration already determines (seeded users and groups, ids, credentials). Faults, the request
/// log and the token signing key are not kept: they belong to one process's test or demo.
struct PersistedWorld: Codable {
    static let formatName = "tenant-simulator-state"
    static let currentVersion = 1

    struct Tenant: Codable {
        var consentRefusal: String?
        var appServicePrincipalId: String?
        var appServicePrincipalCreatedAt: Date?
        var appRoleAssignments: [TenantState.AppRoleAssignment]
        var directoryRoleAssignments: [TenantState.DirectoryRoleAssignment]
        var inboundConnectors: [[String: SimulatorJSON]]
        var outboundConnectors: [[String: SimulatorJSON]]
        var transportRules: [[String: SimulatorJSON]]
        var messages: [String: TenantState.Message]
        var addedUsers: [String: SimulatorJSON]
        var addedUserOrder: [String]
        var removedUsers: Set<String>
        var userChanges: [TenantState.Change]
        var version: Int
        var deltaGeneration: Int
    }

    struct Organization: Codable {
        var domains: [[String: SimulatorJSON]]
        var users: [[String: SimulatorJSON]]
        var azureSettings: SimulatorJSON
        var integrationSettings: SimulatorJSON
    }

    var format: String
    var version: Int
    var seed: UInt64
    var savedAt: Date
    var timeOffset: Double
    var idCounter: Int
    var dnsRecords: [String: [String]]
    /// Absent in state files from before MX records were simulated.
    var mxRecords: [String: [String]]?
    var tenants: [String: Tenant]
    var organizations: [String: Organization]

    /// The changing parts of `world`.
    init(_ world: World) {
        format = Self.formatName
        version = Self.currentVersion
        seed = world.configuration.seed
        savedAt = world.now()
        timeOffset = world.timeOffset
        idCounter = world.idCounter
        dnsRecords = world.dnsRecords
        mxRecords = world.mxRecords
        tenants = world.tenants.mapValues { tenant in
            Tenant(
                consentRefusal: tenant.consentRefusal, appServicePrincipalId: tenant.appServicePrincipalId,
                appServicePrincipalCreatedAt: tenant.appServicePrincipalCreatedAt,
                appRoleAssignments: tenant.appRoleAssignments, directoryRoleAssignments: tenant.directoryRoleAssignments,
                inboundConnectors: tenant.inboundConnectors, outboundConnectors: tenant.outboundConnectors,
                transportRules: tenant.transportRules, messages: tenant.messages, addedUsers: tenant.addedUsers,
                addedUserOrder: tenant.addedUserOrder, removedUsers: tenant.removedUsers,
                userChanges: tenant.userChanges, version: tenant.version, deltaGeneration: tenant.deltaGeneration)
        }
        organizations = world.essentials.orgs.mapValues { org in
            Organization(
                domains: org.domains, users: org.users, azureSettings: org.azureSettings,
                integrationSettings: org.integrationSettings)
        }
    }

    /// Puts the saved state into `world`, a world freshly seeded from the same configuration.
    ///
    /// - Throws: ``SimulatorError`` with code `stateFile` when the file was written for
    ///   another seed, other tenants or other organizations, so a file never silently turns into
    ///   a different tenant.
    func restore(into world: inout World, from path: String) throws {
        func mismatch(_ what: String) -> SimulatorError {
            SimulatorError(
                .stateFile,
                "The simulator state file \(path) was written for \(what); start the simulator with the configuration it was saved with, or use another file."
            )
        }
        guard format == Self.formatName else {
            throw SimulatorError(.stateFile, "\(path) is not a TenantSimulator state file.")
        }
        guard version == Self.currentVersion else {
            throw SimulatorError(
                .stateFile, "\(path) has state format version \(version); this simulator reads version \(Self.currentVersion).")
        }
        guard seed == world.configuration.seed else { throw mismatch("seed \(seed), not \(world.configuration.seed)") }
        guard Set(tenants.keys) == Set(world.tenants.keys) else {
            throw mismatch("tenants \(tenants.keys.sorted().joined(separator: ", "))")
        }
        guard Set(organizations.keys) == Set(world.essentials.orgs.keys) else {
            throw mismatch("Essentials organizations \(organizations.keys.sorted().joined(separator: ", "))")
        }
        world.timeOffset = timeOffset
        world.idCounter = idCounter
        world.dnsRecords = dnsRecords
        if let mxRecords { world.mxRecords = mxRecords }
        world.addProviderRecords()
        for (key, saved) in tenants {
            world.tenants[key]!.consentRefusal = saved.consentRefusal
            world.tenants[key]!.appServicePrincipalId = saved.appServicePrincipalId
            world.tenants[key]!.appServicePrincipalCreatedAt = saved.appServicePrincipalCreatedAt
            world.tenants[key]!.appRoleAssignments = saved.appRoleAssignments
            world.tenants[key]!.directoryRoleAssignments = saved.directoryRoleAssignments
            world.tenants[key]!.inboundConnectors = saved.inboundConnectors
            world.tenants[key]!.outboundConnectors = saved.outboundConnectors
            world.tenants[key]!.transportRules = saved.transportRules
            world.tenants[key]!.messages = saved.messages
            world.tenants[key]!.addedUsers = saved.addedUsers
            world.tenants[key]!.addedUserOrder = saved.addedUserOrder
            world.tenants[key]!.removedUsers = saved.removedUsers
            world.tenants[key]!.userChanges = saved.userChanges
            world.tenants[key]!.version = saved.version
            world.tenants[key]!.deltaGeneration = saved.deltaGeneration
        }
        for (key, saved) in organizations {
            world.essentials.orgs[key]!.domains = saved.domains
            world.essentials.orgs[key]!.users = saved.users
            world.essentials.orgs[key]!.userEmails = Set(
                saved.users.compactMap { $0["primary_email"]?.stringValue?.lowercased() })
            world.essentials.orgs[key]!.azureSettings = saved.azureSettings
            world.essentials.orgs[key]!.integrationSettings = saved.integrationSettings
        }
    }
}
