import Foundation

/// A consistent copy of the simulator's state at one moment, for assertions.
public struct SimulatorSnapshot: Sendable, Hashable {
    /// One entry per simulated tenant, in configuration order.
    public var tenants: [TenantSnapshot]
    /// One entry per Essentials organization, in configuration order.
    public var essentialsOrganizations: [EssentialsOrgSnapshot]
    /// Requests per route since start, keyed `"{service} {METHOD} {route}"`, e.g.
    /// `"exchange POST New-InboundConnector"` or `"graph GET /users"`.
    public var routeCounts: [String: Int]
    /// TXT records by lower-cased DNS name.
    public var dnsRecords: [String: [String]]
    /// Faults still armed.
    public var activeFaults: Int
    /// The simulator's clock at the snapshot.
    public var now: Date

    /// The tenant with this id or name.
    public func tenant(_ idOrName: String) -> TenantSnapshot? {
        tenants.first { $0.tenantId.lowercased() == idOrName.lowercased() || $0.name == idOrName }
    }

    /// The Essentials organization with this primary domain.
    public func essentialsOrganization(_ domain: String) -> EssentialsOrgSnapshot? {
        essentialsOrganizations.first { $0.domain.lowercased() == domain.lowercased() }
    }

    /// The snapshot as JSON (what `GET /_simulator/state` answers).
    public var json: JSONValue {
        [
            "now": .string(ISO8601DateFormatter().string(from: now)),
            "activeFaults": .integer(activeFaults),
            "routeCounts": .object(routeCounts.mapValues { .integer($0) }),
            "dnsRecords": .object(dnsRecords.mapValues { .array($0.map { .string($0) }) }),
            "tenants": .array(tenants.map(\.json)),
            "essentials": .array(essentialsOrganizations.map(\.json)),
        ]
    }
}

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
    public var appRoleAssignments: [JSONValue]
    /// Directory role assignments as Graph lists them.
    public var directoryRoleAssignments: [JSONValue]
    /// Exchange inbound connectors as `Get-InboundConnector` returns them.
    public var inboundConnectors: [JSONValue]
    /// Exchange outbound connectors.
    public var outboundConnectors: [JSONValue]
    /// Exchange transport rules.
    public var transportRules: [JSONValue]
    /// Users in the directory now.
    public var userCount: Int
    /// Groups in the directory.
    public var groupCount: Int

    /// The snapshot as JSON.
    public var json: JSONValue {
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
    public var domains: [JSONValue]
    /// Users as `GET /orgs/{domain}/users` lists them.
    public var users: [JSONValue]
    /// The Azure sync settings.
    public var azureSettings: JSONValue
    /// The integrations setting (`allow_customers_to_use_integrations`).
    public var integrationSettings: JSONValue

    /// The snapshot as JSON.
    public var json: JSONValue {
        [
            "domain": .string(domain), "region": .string(region),
            "parentDomain": parentDomain.map { .string($0) } ?? .null,
            "features": .array(features.map { .string($0) }), "domains": .array(domains), "users": .array(users),
            "azureSettings": azureSettings, "integrationSettings": integrationSettings,
        ]
    }
}
