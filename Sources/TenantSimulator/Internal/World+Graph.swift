import Foundation

/// Microsoft Graph v1.0: service principals, app role and directory role assignments, domains, users, groups,
/// members, delta queries and message moves.
extension World {
    static let maximumPageSize = 999
    static let defaultPageSize = 100

    mutating func handleGraph(_ request: SimRequest) -> SimReply {
        let segments = Array(request.segments.dropFirst())  // drop "graph"
        guard segments.first == "v1.0" else {
            return graphError(400, "BadRequest", "Invalid version: \(segments.first ?? "")")
        }
        let claims: TokenClaims
        switch authenticate(request, audience: Self.graphResource) {
        case .success(let value): claims = value
        case .failure(let problem):
            return graphError(401, "InvalidAuthenticationToken", Self.tokenProblemMessage(problem))
        }
        guard let key = tenantKey(for: claims.tenantId), tenants[key]!.tenantId == claims.tenantId else {
            return graphError(401, "InvalidAuthenticationToken", "Access token validation failure. Unknown tenant.")
        }
        let path = Array(segments.dropFirst())
        let method = request.method
        switch (method, path.count, path.first) {
        case ("GET", 1, "servicePrincipals"):
            return requiring(claims, [.applicationReadAll]) { $0.listServicePrincipals(key, request) }
        case ("GET", 2, "servicePrincipals"):
            return requiring(claims, [.applicationReadAll]) { $0.getServicePrincipal(key, path[1]) }
        case ("GET", 3, "servicePrincipals") where path[2] == "appRoleAssignments":
            return requiring(claims, [.appRoleAssignmentReadWriteAll, .applicationReadAll]) {
                $0.listAppRoleAssignments(key, path[1])
            }
        case ("POST", 3, "servicePrincipals") where path[2] == "appRoleAssignments":
            return requiring(claims, [.appRoleAssignmentReadWriteAll]) {
                $0.createAppRoleAssignment(key, path[1], request.body)
            }
        case ("DELETE", 4, "servicePrincipals") where path[2] == "appRoleAssignments":
            return requiring(claims, [.appRoleAssignmentReadWriteAll]) { $0.deleteAppRoleAssignment(key, path[1], path[3]) }
        case ("DELETE", 4, "roleManagement") where path[1] == "directory" && path[2] == "roleAssignments":
            return requiring(claims, [.roleManagementReadWriteDirectory]) { $0.deleteRoleAssignment(key, path[3]) }
        case ("GET", 3, "roleManagement") where path[1] == "directory" && path[2] == "roleAssignments":
            return requiring(claims, [.roleManagementReadWriteDirectory, .entitlementManagementReadWriteAll]) {
                $0.listRoleAssignments(key, request)
            }
        case ("POST", 3, "roleManagement") where path[1] == "directory" && path[2] == "roleAssignments":
            return requiring(claims, [.roleManagementReadWriteDirectory, .entitlementManagementReadWriteAll]) {
                $0.createRoleAssignment(key, request.body)
            }
        case ("GET", 1, "domains"):
            return requiring(claims, [.domainReadAll]) { $0.listDomains(key) }
        case ("GET", 1, "users"):
            return requiring(claims, [.userReadAll]) { $0.listUsers(key, request) }
        case ("GET", 2, "users") where path[1] == "delta":
            return requiring(claims, [.userReadAll]) { $0.usersDelta(key, request) }
        case ("GET", 2, "users"):
            return requiring(claims, [.userReadAll]) { world in
                world.findUser(key, path[1]).map { .json(200, $0) } ?? world.notFound(path[1])
            }
        case ("GET", 3, "users") where path[2] == "messages":
            return requiring(claims, [.mailReadWrite]) { $0.listMessages(key, path[1]) }
        case ("POST", 5, "users") where path[2] == "messages" && path[4] == "move":
            return requiring(claims, [.mailReadWrite]) { $0.moveMessage(key, path[1], path[3], request.body) }
        case ("GET", 1, "groups"):
            return requiring(claims, [.groupReadAll]) { $0.listGroups(key, request) }
        case ("GET", 2, "groups") where path[1] == "delta":
            return requiring(claims, [.groupReadAll]) { $0.groupsDelta(key, request) }
        case ("GET", 2, "groups"):
            return requiring(claims, [.groupReadAll]) { world in
                world.tenants[key]!.groupIndex(path[1]).map { .json(200, world.tenants[key]!.group($0)) }
                    ?? world.notFound(path[1])
            }
        case ("GET", 3, "groups") where path[2] == "members":
            return requiring(claims, [.groupMemberReadAll, .groupReadAll]) { $0.listMembers(key, path[1], request) }
        default:
            if ["servicePrincipals", "roleManagement", "domains", "users", "groups"].contains(path.first ?? "") {
                return graphError(
                    405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.")
            }
            return graphError(400, "BadRequest", "Resource not found for the segment '\(path.first ?? "")'.")
        }
    }

    /// Runs the handler when the token holds any of the permissions, else answers 403.
    private mutating func requiring(
        _ claims: TokenClaims, _ anyOf: [GraphPermission], _ handler: (inout World) -> SimReply
    ) -> SimReply {
        guard anyOf.contains(where: { claims.roles.contains($0.name) }) else {
            return graphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
        }
        return handler(&self)
    }

    func notFound(_ id: String) -> SimReply {
        graphError(
            404, "Request_ResourceNotFound",
            "Resource '\(id)' does not exist or one of its queried reference-property objects are not present.")
    }

    func badJSON() -> SimReply {
        graphError(
            400, "BadRequest",
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format."
        )
    }

    func context(_ suffix: String) -> SimulatorJSON { .string("\(baseURL)/graph/v1.0/$metadata#\(suffix)") }

    static func iso(_ date: Date) -> SimulatorJSON { .string(timestamp(date)) }

    /// `$filter=name eq 'value'` → value, when the property is the expected one.
    static func equalityFilter(_ filter: String, property: String) -> String? {
        let prefix = "\(property.lowercased()) eq '"
        // Some clients send spaces in the query as "+"; ids and quoted values here never contain one.
        let trimmed = filter.replacingOccurrences(of: "+", with: " ").trimmingCharacters(in: .whitespaces)
        guard trimmed.lowercased().hasPrefix(prefix), trimmed.hasSuffix("'") else { return nil }
        return String(trimmed.dropFirst(prefix.count).dropLast())
    }

    /// Validates `$top`: default 100, 1…999.
    func pageSize(_ request: SimRequest) -> Result<Int, SimReply> {
        guard let raw = request.query["$top"] else { return .success(Self.defaultPageSize) }
        guard let value = Int(raw), (1...Self.maximumPageSize).contains(value) else {
            return .failure(
                graphError(
                    400, "Request_BadRequest",
                    "Invalid page size specified: '\(raw)'. Must be between 1 and \(Self.maximumPageSize) inclusive."))
        }
        return .success(value)
    }

    static func encodeCursor(_ fields: [String]) -> String {
        Base64URL.encode(Array(fields.joined(separator: ":").utf8))
    }

    /// The fields of a cursor; `nil` unless every field after the kind is a non-negative integer.
    static func decodeCursor(_ token: String?) -> [String]? {
        guard let token, let bytes = Base64URL.decode(token) else { return nil }
        let fields = String(decoding: bytes, as: UTF8.self).split(separator: ":").map(String.init)
        guard fields.count >= 2, fields.dropFirst().allSatisfy({ (Int($0) ?? -1) >= 0 }) else { return nil }
        return fields
    }

    func invalidSkipToken() -> SimReply { graphError(400, "Request_BadRequest", "Invalid or expired skip token.") }

    // MARK: Service principals

    func servicePrincipalJSON(_ key: String, _ id: String) -> SimulatorJSON? {
        let tenant = tenants[key]!
        func roles(_ permissions: [GraphPermission]) -> SimulatorJSON {
            .array(
                permissions.map {
                    [
                        "id": .string($0.id), "value": .string($0.name), "displayName": .string($0.name),
                        "allowedMemberTypes": ["Application"], "isEnabled": true,
                    ]
                })
        }
        if id == tenant.graphServicePrincipalId {
            return [
                "id": .string(id), "appId": .string(Self.graphAppId), "displayName": "Microsoft Graph",
                "servicePrincipalType": "Application", "accountEnabled": true,
                "appRoles": roles(GraphPermission.allGraph),
            ]
        }
        if id == tenant.exchangeServicePrincipalId {
            return [
                "id": .string(id), "appId": .string(Self.exchangeAppId), "displayName": "Office 365 Exchange Online",
                "servicePrincipalType": "Application", "accountEnabled": true,
                "appRoles": roles([.exchangeManageAsApp]),
            ]
        }
        if id == tenant.appServicePrincipalId, let created = tenant.appServicePrincipalCreatedAt,
            hasElapsed(timings.servicePrincipalReplicationLag, since: created)
        {
            return [
                "id": .string(id), "appId": .string(configuration.application.clientId),
                "displayName": .string(configuration.application.displayName),
                "servicePrincipalType": "Application", "accountEnabled": true, "appRoles": [],
            ]
        }
        return nil
    }

    func visibleServicePrincipals(_ key: String) -> [SimulatorJSON] {
        let tenant = tenants[key]!
        return [tenant.graphServicePrincipalId, tenant.exchangeServicePrincipalId, tenant.appServicePrincipalId]
            .compactMap { $0 }.compactMap { servicePrincipalJSON(key, $0) }
    }

    func listServicePrincipals(_ key: String, _ request: SimRequest) -> SimReply {
        var all = visibleServicePrincipals(key)
        if let filter = request.query["$filter"] {
            guard let appId = Self.equalityFilter(filter, property: "appId") else {
                return graphError(
                    400, "Request_UnsupportedQuery",
                    "Unsupported or invalid query filter clause specified for property 'appId' of resource 'ServicePrincipal'."
                )
            }
            all = all.filter { $0["appId"]?.stringValue?.lowercased() == appId.lowercased() }
        }
        return .json(200, ["@odata.context": context("servicePrincipals"), "value": .array(all)])
    }

    func getServicePrincipal(_ key: String, _ id: String) -> SimReply {
        servicePrincipalJSON(key, id.lowercased()).map { .json(200, $0) } ?? notFound(id)
    }

    // MARK: App role assignments

    func appRoleAssignmentJSON(_ key: String, _ assignment: TenantState.AppRoleAssignment) -> SimulatorJSON {
        let resourceName: SimulatorJSON = servicePrincipalJSON(key, assignment.resourceId)?["displayName"] ?? .null
        return [
            "id": .string(assignment.id), "principalId": .string(assignment.principalId),
            "principalType": "ServicePrincipal", "principalDisplayName": .string(configuration.application.displayName),
            "resourceId": .string(assignment.resourceId), "resourceDisplayName": resourceName,
            "appRoleId": .string(assignment.appRoleId), "createdDateTime": Self.iso(assignment.createdAt),
            "deletedDateTime": nil,
        ]
    }

    func listAppRoleAssignments(_ key: String, _ id: String) -> SimReply {
        guard servicePrincipalJSON(key, id.lowercased()) != nil else { return notFound(id) }
        let visible = tenants[key]!.appRoleAssignments.filter {
            $0.principalId == id.lowercased() && hasElapsed(timings.appRoleAssignmentReadLag, since: $0.createdAt)
        }
        return .json(
            200,
            [
                "@odata.context": context("servicePrincipals('\(id)')/appRoleAssignments"),
                "value": .array(visible.map { appRoleAssignmentJSON(key, $0) }),
            ])
    }

    mutating func createAppRoleAssignment(_ key: String, _ id: String, _ body: [UInt8]) -> SimReply {
        guard servicePrincipalJSON(key, id.lowercased()) != nil else { return notFound(id) }
        guard let json = SimulatorJSON.parse(body), json.objectValue != nil else { return badJSON() }
        guard let principalId = json["principalId"]?.stringValue?.lowercased(),
            let resourceId = json["resourceId"]?.stringValue?.lowercased(),
            let appRoleId = json["appRoleId"]?.stringValue?.lowercased()
        else {
            return graphError(
                400, "Request_BadRequest",
                "One or more properties are invalid: principalId, resourceId and appRoleId are required.")
        }
        guard principalId == id.lowercased() else {
            return graphError(
                400, "Request_BadRequest",
                "The principalId in the request body must match the service principal in the request URL.")
        }
        guard let roles = tenants[key]!.appRoles(ofResource: resourceId) else { return notFound(resourceId) }
        guard roles.contains(where: { $0.id == appRoleId }) else {
            return graphError(
                400, "Request_BadRequest", "Permission being assigned was not found on application '\(resourceId)'.")
        }
        let exists = tenants[key]!.appRoleAssignments.contains {
            $0.principalId == principalId && $0.resourceId == resourceId && $0.appRoleId == appRoleId
        }
        guard !exists else {
            return graphError(400, "Request_BadRequest", "Permission being assigned already exists on the object")
        }
        let assignment = TenantState.AppRoleAssignment(
            id: newID("appRoleAssignment"), principalId: principalId, resourceId: resourceId, appRoleId: appRoleId,
            createdAt: now())
        tenants[key]!.appRoleAssignments.append(assignment)
        return .json(201, appRoleAssignmentJSON(key, assignment))
    }

    // MARK: Directory role assignments

    func roleAssignmentJSON(_ assignment: TenantState.DirectoryRoleAssignment) -> SimulatorJSON {
        [
            "id": .string(assignment.id), "principalId": .string(assignment.principalId),
            "roleDefinitionId": .string(assignment.roleDefinitionId),
            "directoryScopeId": .string(assignment.directoryScopeId),
        ]
    }

    func listRoleAssignments(_ key: String, _ request: SimRequest) -> SimReply {
        var all = tenants[key]!.directoryRoleAssignments
        if let filter = request.query["$filter"] {
            guard let principal = Self.equalityFilter(filter, property: "principalId") else {
                return graphError(400, "Request_UnsupportedQuery", "Unsupported Query.")
            }
            all = all.filter { $0.principalId == principal.lowercased() }
        }
        return .json(
            200,
            [
                "@odata.context": context("roleManagement/directory/roleAssignments"),
                "value": .array(all.map(roleAssignmentJSON)),
            ])
    }

    /// Removes an app role granted to service principal `id`: 204, or 404 when there is no such grant.
    mutating func deleteAppRoleAssignment(_ key: String, _ id: String, _ assignment: String) -> SimReply {
        guard servicePrincipalJSON(key, id.lowercased()) != nil else { return notFound(id) }
        guard
            let index = tenants[key]!.appRoleAssignments.firstIndex(where: {
                $0.id.lowercased() == assignment.lowercased() && $0.principalId == id.lowercased()
            })
        else { return notFound(assignment) }
        tenants[key]!.appRoleAssignments.remove(at: index)
        return .noContent
    }

    /// Removes a directory role assignment: 204, or 404.
    mutating func deleteRoleAssignment(_ key: String, _ id: String) -> SimReply {
        guard let index = tenants[key]!.directoryRoleAssignments.firstIndex(where: { $0.id.lowercased() == id.lowercased() })
        else { return notFound(id) }
        tenants[key]!.directoryRoleAssignments.remove(at: index)
        return .noContent
    }

    mutating func createRoleAssignment(_ key: String, _ body: [UInt8]) -> SimReply {
        guard let json = SimulatorJSON.parse(body), json.objectValue != nil else { return badJSON() }
        guard let principalId = json["principalId"]?.stringValue?.lowercased(),
            let roleDefinitionId = json["roleDefinitionId"]?.stringValue?.lowercased()
        else {
            return graphError(
                400, "Request_BadRequest", "Invalid request body: principalId and roleDefinitionId are required.")
        }
        let scope = json["directoryScopeId"]?.stringValue ?? "/"
        guard servicePrincipalJSON(key, principalId) != nil || tenants[key]!.appServicePrincipalId == principalId else {
            return notFound(principalId)
        }
        let duplicate = tenants[key]!.directoryRoleAssignments.contains {
            $0.principalId == principalId && $0.roleDefinitionId == roleDefinitionId && $0.directoryScopeId == scope
        }
        guard !duplicate else {
            return graphError(
                400, "Request_BadRequest",
                "A conflicting object with one or more of the specified property values is present in the directory.")
        }
        let assignment = TenantState.DirectoryRoleAssignment(
            id: newID("roleAssignment"), principalId: principalId, roleDefinitionId: roleDefinitionId,
            directoryScopeId: scope, createdAt: now())
        tenants[key]!.directoryRoleAssignments.append(assignment)
        var reply = roleAssignmentJSON(assignment).objectValue!
        reply["@odata.context"] = context("roleManagement/directory/roleAssignments/$entity")
        return .json(201, .object(reply))
    }

    // MARK: Domains

    func listDomains(_ key: String) -> SimReply {
        let domains = tenants[key]!.domains.map { domain -> SimulatorJSON in
            [
                "id": .string(domain.name), "isVerified": .bool(domain.isVerified),
                "isDefault": .bool(domain.isDefault),
                "isInitial": .bool(domain.isInitial), "authenticationType": "Managed", "isAdminManaged": true,
                "supportedServices": .array(domain.supportedServices.map { .string($0) }),
            ]
        }
        return .json(200, ["@odata.context": context("domains"), "value": .array(domains)])
    }

    // MARK: Users and groups

    func findUser(_ key: String, _ id: String) -> SimulatorJSON? {
        let tenant = tenants[key]!
        if let found = tenant.user(id: id) { return found }
        // A seeded user principal name ends its local part with the user's index.
        let local = id.split(separator: "@").first.map(String.init) ?? ""
        let digits = String(local.reversed().prefix { $0.isNumber }.reversed())
        if let index = Int(digits), index < tenant.seed.userCount {
            let candidate = tenant.seededUser(index)
            if candidate["userPrincipalName"]?.stringValue?.lowercased() == id.lowercased(),
                !tenant.removedUsers.contains(tenant.userId(index))
            {
                return candidate
            }
        }
        return nil
    }

    /// The page size and the position a `$skiptoken` of `kind` points at (0 without one), or the error reply.
    func pageStart(_ request: SimRequest, kind: String) -> Result<(top: Int, cursor: Int), SimReply> {
        let top: Int
        switch pageSize(request) {
        case .success(let value): top = value
        case .failure(let reply): return .failure(reply)
        }
        guard let token = request.query["$skiptoken"] else { return .success((top, 0)) }
        guard let fields = Self.decodeCursor(token), fields.count == 2, fields[0] == kind, let value = Int(fields[1]) else {
            return .failure(invalidSkipToken())
        }
        return .success((top, value))
    }

    func listUsers(_ key: String, _ request: SimRequest) -> SimReply {
        let top: Int
        let cursor: Int
        switch pageStart(request, kind: "u") {
        case .success(let start): (top, cursor) = start
        case .failure(let reply): return reply
        }
        let page = tenants[key]!.users(from: cursor, limit: top)
        var body: [String: SimulatorJSON] = ["@odata.context": context("users"), "value": .array(page.users)]
        if let next = page.next {
            body["@odata.nextLink"] = .string(
                "\(baseURL)/graph/v1.0/users?$top=\(top)&$skiptoken=\(Self.encodeCursor(["u", String(next)]))")
        }
        return .json(200, .object(body))
    }

    func listGroups(_ key: String, _ request: SimRequest) -> SimReply {
        let top: Int
        let cursor: Int
        switch pageStart(request, kind: "g") {
        case .success(let start): (top, cursor) = start
        case .failure(let reply): return reply
        }
        let tenant = tenants[key]!
        let end = min(tenant.seed.groupCount, cursor + top)
        var body: [String: SimulatorJSON] = [
            "@odata.context": context("groups"), "value": .array((min(cursor, end)..<end).map { tenant.group($0) }),
        ]
        if end < tenant.seed.groupCount {
            body["@odata.nextLink"] = .string(
                "\(baseURL)/graph/v1.0/groups?$top=\(top)&$skiptoken=\(Self.encodeCursor(["g", String(end)]))")
        }
        return .json(200, .object(body))
    }

    func listMembers(_ key: String, _ id: String, _ request: SimRequest) -> SimReply {
        let tenant = tenants[key]!
        guard let group = tenant.groupIndex(id) else { return notFound(id) }
        let top: Int
        let cursor: Int
        switch pageStart(request, kind: "m") {
        case .success(let start): (top, cursor) = start
        case .failure(let reply): return reply
        }
        let end = min(tenant.memberCount, cursor + top)
        let members = (min(cursor, end)..<end).compactMap { position -> SimulatorJSON? in
            let index = tenant.memberIndex(group: group, position: position)
            guard !tenant.removedUsers.contains(tenant.userId(index)), case .object(var user) = tenant.seededUser(index)
            else { return nil }
            user["@odata.type"] = "#microsoft.graph.user"
            return .object(user)
        }
        var body: [String: SimulatorJSON] = ["@odata.context": context("directoryObjects"), "value": .array(members)]
        if end < tenant.memberCount {
            body["@odata.nextLink"] = .string(
                "\(baseURL)/graph/v1.0/groups/\(id)/members?$top=\(top)&$skiptoken=\(Self.encodeCursor(["m", String(end)]))"
            )
        }
        return .json(200, .object(body))
    }

    // MARK: Delta

    /// Checks a delta token: `[kind, version, issuedAt, generation]`.
    func validDeltaToken(_ key: String, _ token: String, kind: String) -> Result<Int, SimReply> {
        guard let fields = Self.decodeCursor(token), fields.count == 4, fields[0] == kind, let version = Int(fields[1]),
            let issued = Double(fields[2]), let generation = Int(fields[3])
        else { return .failure(graphError(400, "Request_BadRequest", "Invalid delta token.")) }
        let expired = now().timeIntervalSince1970 - issued > timings.deltaLinkLifetime.simulatorSeconds
        if expired || generation < tenants[key]!.deltaGeneration {
            return .failure(
                graphError(
                    410, "syncStateNotFound",
                    "The sync state generation is not found. Please do a full sync to get a new delta link."))
        }
        return .success(version)
    }

    func deltaToken(_ key: String, kind: String, version: Int) -> String {
        Self.encodeCursor([
            kind, String(version), String(Int(now().timeIntervalSince1970)), String(tenants[key]!.deltaGeneration),
        ])
    }

    func usersDelta(_ key: String, _ request: SimRequest) -> SimReply {
        let tenant = tenants[key]!
        let link = "\(baseURL)/graph/v1.0/users/delta"
        if let token = request.query["$deltatoken"] {
            let since: Int
            switch validDeltaToken(key, token, kind: "ud") {
            case .success(let value): since = value
            case .failure(let reply): return reply
            }
            var seen = Set<String>()
            var changes: [SimulatorJSON] = []
            for change in tenant.userChanges.reversed() where change.version > since && !seen.contains(change.userId) {
                seen.insert(change.userId)
                if let user = tenant.user(id: change.userId) {
                    changes.append(user)
                } else {
                    changes.append(["id": .string(change.userId), "@removed": ["reason": "deleted"]])
                }
            }
            return .json(
                200,
                [
                    "@odata.context": context("users"), "value": .array(changes.reversed()),
                    "@odata.deltaLink": .string(
                        "\(link)?$deltatoken=\(deltaToken(key, kind: "ud", version: tenant.version))"),
                ])
        }
        let top: Int
        switch pageSize(request) {
        case .success(let value): top = value
        case .failure(let reply): return reply
        }
        var cursor = 0
        var version = tenant.version
        if let token = request.query["$skiptoken"] {
            guard let fields = Self.decodeCursor(token), fields.count == 3, fields[0] == "us",
                let value = Int(fields[1]), let started = Int(fields[2])
            else { return invalidSkipToken() }
            cursor = value
            version = started
        }
        let page = tenant.users(from: cursor, limit: top)
        var body: [String: SimulatorJSON] = ["@odata.context": context("users"), "value": .array(page.users)]
        if let next = page.next {
            body["@odata.nextLink"] = .string(
                "\(link)?$top=\(top)&$skiptoken=\(Self.encodeCursor(["us", String(next), String(version)]))")
        } else {
            body["@odata.deltaLink"] = .string("\(link)?$deltatoken=\(deltaToken(key, kind: "ud", version: version))")
        }
        return .json(200, .object(body))
    }

    func groupsDelta(_ key: String, _ request: SimRequest) -> SimReply {
        let tenant = tenants[key]!
        let link = "\(baseURL)/graph/v1.0/groups/delta"
        if let token = request.query["$deltatoken"] {
            if case .failure(let reply) = validDeltaToken(key, token, kind: "gd") { return reply }
            // Seeded groups never change, so a delta round is empty.
            return .json(
                200,
                [
                    "@odata.context": context("groups"), "value": [],
                    "@odata.deltaLink": .string("\(link)?$deltatoken=\(deltaToken(key, kind: "gd", version: 0))"),
                ])
        }
        let top: Int
        switch pageSize(request) {
        case .success(let value): top = value
        case .failure(let reply): return reply
        }
        var cursor = 0
        if let token = request.query["$skiptoken"] {
            guard let fields = Self.decodeCursor(token), fields.count == 2, fields[0] == "gs",
                let value = Int(fields[1])
            else { return invalidSkipToken() }
            cursor = value
        }
        let end = min(tenant.seed.groupCount, cursor + top)
        var body: [String: SimulatorJSON] = [
            "@odata.context": context("groups"), "value": .array((min(cursor, end)..<end).map { tenant.group($0) }),
        ]
        if end < tenant.seed.groupCount {
            body["@odata.nextLink"] = .string(
                "\(link)?$top=\(top)&$skiptoken=\(Self.encodeCursor(["gs", String(end)]))")
        } else {
            body["@odata.deltaLink"] = .string("\(link)?$deltatoken=\(deltaToken(key, kind: "gd", version: 0))")
        }
        return .json(200, .object(body))
    }

    // MARK: Messages

    func messageJSON(_ message: TenantState.Message) -> SimulatorJSON {
        [
            "id": .string(message.id), "subject": .string(message.subject),
            "parentFolderId": .string(message.parentFolderId),
        ]
    }

    func listMessages(_ key: String, _ userId: String) -> SimReply {
        guard let user = findUser(key, userId), let id = user["id"]?.stringValue else { return notFound(userId) }
        let messages = tenants[key]!.messages.values.filter { $0.userId == id }.sorted { $0.id < $1.id }
        return .json(
            200, ["@odata.context": context("users('\(userId)')/messages"), "value": .array(messages.map(messageJSON))])
    }

    mutating func moveMessage(_ key: String, _ userId: String, _ messageId: String, _ body: [UInt8]) -> SimReply {
        guard let user = findUser(key, userId), let id = user["id"]?.stringValue else { return notFound(userId) }
        guard let json = SimulatorJSON.parse(body), json.objectValue != nil else { return badJSON() }
        guard let destination = json["destinationId"]?.stringValue, !destination.isEmpty else {
            return graphError(400, "ErrorInvalidIdMalformed", "Id is malformed.")
        }
        guard var message = tenants[key]!.messages[messageId], message.userId == id else {
            return graphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        }
        tenants[key]!.messages[messageId] = nil
        message.id = "AAMk" + Base64URL.encode(Array(newID("message").utf8))
        message.parentFolderId = destination
        tenants[key]!.messages[message.id] = message
        return .json(201, messageJSON(message))
    }
}
