/// The state of one simulated Microsoft 365 tenant.
public struct TenantSnapshot: Sendable, Hashable {
    /// The tenant id.
    public var tenantId: String
    /// The seed's short name.
    public var name: String
    /// Domain names.
    public var domains: [String]
    /// The application's service principal id, once consent created it.
    public var servicePrincipalId: String?
    /// Names of the Graph permissions granted to the application.
    public var grantedPermissions: [String]
    /// App role assignments as Graph lists them (including those not yet visible to reads).
    public var appRoleAssignments: [SimulatorJSON]
    /// Directory role assignments as Graph lists them.
    public var directoryRoleAssignments: [SimulatorJSON]
    /// Exchange inbound connectors as `Get-InboundConnector` returns them.
    public var inboundConnectors: [SimulatorJSON]
    /// Exchange outbound connectors.
    public var outboundConnectors: [SimulatorJSON]
    /// Exchange transport rules.
    public var transportRules: [SimulatorJSON]
    /// Users in the directory now.
    public var userCount: Int
    /// Groups in the directory.
    public var groupCount: Int

    /// The snapshot as JSON.
    public var json: SimulatorJSON {
        [
            "tenantId": .string(tenantId), "name": .string(name), "domains": .array(domains.map { .string($0) }),
            "servicePrincipalId": servicePrincipalId.map { .string($0) } ?? .null,
            "grantedPermissions": .array(grantedPermissions.map { .string($0) }),
            "appRoleAssignments": .array(appRoleAssignments),
            "directoryRoleAssignments": .array(directoryRoleAssignments),
            "inboundConnectors": .array(inboundConnectors), "outboundConnectors": .array(outboundConnectors),
            "transportRules": .array(transportRules), "userCount": .integer(userCount),
            "groupCount": .integer(groupCount),
        ]
    }
}
