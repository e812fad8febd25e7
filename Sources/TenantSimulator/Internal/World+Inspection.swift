import Foundation

/// Snapshots of the world for tests and the `/_simulator` HTTP prefix.
extension World {
    func snapshot() -> SimulatorSnapshot {
        let tenantSnapshots = tenantOrder.map { key -> TenantSnapshot in
            let tenant = tenants[key]!
            let granted = tenant.grantedRoles(resourceId: tenant.graphServicePrincipalId, grantedBefore: .distantFuture)
            return TenantSnapshot(
                tenantId: tenant.tenantId, name: tenant.seed.name, domains: tenant.domains.map(\.name),
                servicePrincipalId: tenant.appServicePrincipalId, grantedPermissions: granted,
                appRoleAssignments: tenant.appRoleAssignments.map { appRoleAssignmentJSON(key, $0) },
                directoryRoleAssignments: tenant.directoryRoleAssignments.map(roleAssignmentJSON),
                inboundConnectors: tenant.inboundConnectors.map { .object($0) },
                outboundConnectors: tenant.outboundConnectors.map { .object($0) },
                transportRules: tenant.transportRules.map { .object($0) },
                userCount: tenant.seed.userCount + tenant.addedUserOrder.count - tenant.removedUsers.count,
                groupCount: tenant.seed.groupCount)
        }
        let orgs = essentials.order.map { key -> EssentialsOrgSnapshot in
            let org = essentials.orgs[key]!
            return EssentialsOrgSnapshot(
                domain: org.seed.domain, region: org.seed.region, parentDomain: org.seed.parentDomain,
                features: org.seed.features, domains: org.domains.map { .object($0) },
                users: org.users.map { .object($0) },
                azureSettings: org.azureSettings, integrationSettings: org.integrationSettings)
        }
        return SimulatorSnapshot(
            tenants: tenantSnapshots, essentialsOrganizations: orgs, routeCounts: routeCounts, dnsRecords: dnsRecords,
            mxRecords: mxRecords,
            activeFaults: faults.count, now: now())
    }

    static func requestJSON(_ record: RequestRecord) -> SimulatorJSON {
        [
            "sequence": .integer(record.sequence), "service": .string(record.service.rawValue),
            "method": .string(record.method), "path": .string(record.path), "route": .string(record.route),
            "status": .integer(record.status), "fault": record.fault.map { .string($0) } ?? .null,
            "date": iso(record.date),
        ]
    }

    mutating func handleSimulator(_ request: SimRequest) -> SimReply {
        let segments = request.segments
        switch (request.method, segments.count, segments.dropFirst().first) {
        case ("GET", 2, "state"):
            return .json(200, snapshot().json)
        case ("GET", 2, "requests"):
            let counts = SimulatorJSON.object(routeCounts.mapValues { .integer($0) })
            return .json(200, ["counts": counts, "requests": .array(loggedRequests.map(Self.requestJSON))])
        case ("POST", 2, "time"), ("POST", 2, "faults"), ("DELETE", 2, "faults"), ("DELETE", 3, "faults"),
            ("PUT", 2, "timings"), ("PUT", 3, "dns"):
            return handleControl(request)
        default:
            return Self.controlError(404, "No such simulator route. See Docs/TenantSimulator.md.")
        }
    }
}
