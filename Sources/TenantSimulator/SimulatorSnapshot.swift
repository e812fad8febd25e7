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
    /// MX exchanges by lower-cased DNS name, by preference.
    public var mxRecords: [String: [String]] = [:]
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
    public var json: SimulatorJSON {
        [
            "now": .string(ISO8601DateFormatter().string(from: now)),
            "activeFaults": .integer(activeFaults),
            "routeCounts": .object(routeCounts.mapValues { .integer($0) }),
            "dnsRecords": .object(dnsRecords.mapValues { .array($0.map { .string($0) }) }),
            "mxRecords": .object(mxRecords.mapValues { .array($0.map { .string($0) }) }),
            "tenants": .array(tenants.map(\.json)),
            "essentials": .array(essentialsOrganizations.map(\.json)),
        ]
    }
}
