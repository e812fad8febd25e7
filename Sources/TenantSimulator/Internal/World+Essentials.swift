import Foundation

/// Proofpoint Essentials API v1 under `/essentials/api/v1`.
extension World {
    mutating func handleEssentials(_ request: SimRequest) -> SimReply {
        let segments = Array(request.segments.dropFirst())  // drop "essentials"
        guard segments.count >= 3, segments[0] == "api", segments[1] == "v1" else {
            return essentialsError(404, "Not found.")
        }
        guard let user = request.headers["x-user"], let password = request.headers["x-password"],
            essentials.credentials[user.lowercased()] == password
        else { return essentialsError(401, "Authentication failed: check X-User and X-Password.") }
        let path = Array(segments.dropFirst(2))
        let method = request.method
        if path[0] == "endpoints", path.count == 2, method == "GET" {
            // Any domain of an organization finds it, not only the primary one.
            let wanted = path[1].lowercased()
            let key =
                essentials.orgs[wanted] != nil
                ? wanted
                : essentials.order.first { essentials.orgs[$0]!.domains.contains { Self.named($0, "name", wanted) } }
            guard let key, let org = essentials.orgs[key] else {
                return essentialsError(404, "No organization found for domain '\(path[1])'.")
            }
            let region = org.seed.region
            return .json(
                200,
                [
                    "domain": .string(org.seed.domain), "region": .string(region),
                    "api_base": .string("https://\(region).proofpointessentials.com/api/v1"),
                ])
        }
        guard path[0] == "orgs", path.count >= 2 else { return essentialsError(404, "Not found.") }
        let key = path[1].lowercased()
        guard essentials.orgs[key] != nil else {
            return essentialsError(404, "Organization '\(path[1])' not found.")
        }
        let rest = Array(path.dropFirst(2))
        switch (method, rest.count, rest.first) {
        case ("GET", 0, _):
            return .json(200, orgJSON(key))
        case ("GET", 1, "orgs"):
            let children = essentials.order.filter { essentials.orgs[$0]!.seed.parentDomain?.lowercased() == key }
            return .json(200, ["orgs": .array(children.map { orgJSON($0) })])
        case ("GET", 1, "features"):
            return .json(200, ["features": .array(essentials.orgs[key]!.seed.features.map { .string($0) })])
        case ("GET", 1, "domains"):
            return .json(200, ["domains": .array(essentials.orgs[key]!.domains.map { .object($0) })])
        case ("POST", 1, "domains"):
            return addDomain(key, request.body)
        case ("GET", 2, "domains"):
            guard let found = essentials.orgs[key]!.domains.first(where: { Self.named($0, "name", rest[1]) }) else {
                return essentialsError(404, "Domain '\(rest[1])' not found.")
            }
            return .json(200, .object(found))
        case ("PUT", 2, "domains"):
            return updateDomain(key, rest[1], request.body)
        case ("DELETE", 2, "domains"):
            guard let index = essentials.orgs[key]!.domains.firstIndex(where: { Self.named($0, "name", rest[1]) }) else {
                return essentialsError(404, "Domain '\(rest[1])' not found.")
            }
            essentials.orgs[key]!.domains.remove(at: index)
            return .noContent
        case ("GET", 1, "users"):
            return .json(200, ["users": .array(essentials.orgs[key]!.users.map { .object($0) })])
        case ("POST", 1, "users"):
            return addUser(key, request.body)
        case ("GET", 2, "users"):
            guard let found = essentials.orgs[key]!.users.first(where: { Self.named($0, "primary_email", rest[1]) })
            else {
                return essentialsError(404, "User '\(rest[1])' not found.")
            }
            return .json(200, .object(found))
        case ("GET", 2, "settings") where rest[1] == "azure":
            return .json(200, essentials.orgs[key]!.azureSettings)
        case ("PUT", 2, "settings") where rest[1] == "azure":
            guard let body = SimulatorJSON.parse(request.body)?.objectValue else {
                return essentialsError(400, "Malformed JSON body.")
            }
            var merged = essentials.orgs[key]!.azureSettings.objectValue ?? [:]
            for (name, value) in body { merged[name] = value }
            essentials.orgs[key]!.azureSettings = .object(merged)
            return .json(200, .object(merged))
        case ("GET", 2, "settings") where rest[1] == "integrations":
            return .json(200, essentials.orgs[key]!.integrationSettings)
        case ("PUT", 2, "settings") where rest[1] == "integrations":
            guard let body = SimulatorJSON.parse(request.body)?.objectValue else {
                return essentialsError(400, "Malformed JSON body.")
            }
            guard let allow = body["allow_customers_to_use_integrations"]?.boolValue else {
                return essentialsError(400, "Field 'allow_customers_to_use_integrations' must be a boolean.")
            }
            essentials.orgs[key]!.integrationSettings = ["allow_customers_to_use_integrations": .bool(allow)]
            return .json(200, essentials.orgs[key]!.integrationSettings)
        default:
            return essentialsError(404, "Not found.")
        }
    }

    static func named(_ object: [String: SimulatorJSON], _ field: String, _ value: String) -> Bool {
        object[field]?.stringValue?.lowercased() == value.lowercased()
    }

    func orgJSON(_ key: String) -> SimulatorJSON {
        let org = essentials.orgs[key]!.seed
        return [
            "primary_domain": .string(org.domain), "name": .string(org.name), "region": .string(org.region),
            "parent_domain": org.parentDomain.map { .string($0) } ?? .null,
            "eid": .string(DeterministicID.uuid(configuration.seed, "essentials", key)),
        ]
    }

    private mutating func addDomain(_ key: String, _ bytes: [UInt8]) -> SimReply {
        guard let body = SimulatorJSON.parse(bytes)?.objectValue else {
            return essentialsError(400, "Malformed JSON body.")
        }
        guard let name = body["name"]?.stringValue, !name.isEmpty else {
            return essentialsError(400, "Field 'name' is required.")
        }
        if let relay = body["is_relay"], relay.boolValue == nil {
            return essentialsError(400, "Field 'is_relay' must be a boolean.")
        }
        guard !essentials.orgs[key]!.domains.contains(where: { Self.named($0, "name", name) }) else {
            return essentialsError(409, "Domain '\(name)' already exists.")
        }
        let domain: [String: SimulatorJSON] = [
            "name": .string(name.lowercased()), "is_relay": body["is_relay"] ?? false,
            "is_active": body["is_active"] ?? true, "is_primary": false,
        ]
        essentials.orgs[key]!.domains.append(domain)
        return .json(201, .object(domain))
    }

    private mutating func updateDomain(_ key: String, _ name: String, _ bytes: [UInt8]) -> SimReply {
        guard let index = essentials.orgs[key]!.domains.firstIndex(where: { Self.named($0, "name", name) }) else {
            return essentialsError(404, "Domain '\(name)' not found.")
        }
        guard let body = SimulatorJSON.parse(bytes)?.objectValue else {
            return essentialsError(400, "Malformed JSON body.")
        }
        for field in ["is_relay", "is_active"] {
            if let value = body[field] {
                guard value.boolValue != nil else { return essentialsError(400, "Field '\(field)' must be a boolean.") }
                essentials.orgs[key]!.domains[index][field] = value
            }
        }
        return .json(200, .object(essentials.orgs[key]!.domains[index]))
    }

    /// Adds one user (`{"primary_email", …}`, 201 or 409), or many at once (`{"users": [{…}, …]}`: 200 with
    /// `{"created", "existing"}`; the bulk form is the simulator's choice, `DOMAIN.md` does not confirm one).
    private mutating func addUser(_ key: String, _ bytes: [UInt8]) -> SimReply {
        guard let body = SimulatorJSON.parse(bytes)?.objectValue else {
            return essentialsError(400, "Malformed JSON body.")
        }
        if let batch = body["users"]?.arrayValue {
            var created = 0
            var existing = 0
            for item in batch {
                guard let user = item.objectValue, let email = user["primary_email"]?.stringValue, email.contains("@") else {
                    return essentialsError(400, "Every user needs a 'primary_email' that is an email address.")
                }
                if insertUser(key, user, email: email) { created += 1 } else { existing += 1 }
            }
            return .json(200, ["created": .integer(created), "existing": .integer(existing)])
        }
        guard let email = body["primary_email"]?.stringValue, email.contains("@") else {
            return essentialsError(400, "Field 'primary_email' is required and must be an email address.")
        }
        guard insertUser(key, body, email: email) else {
            return essentialsError(409, "User '\(email)' already exists.")
        }
        return .json(201, .object(essentials.orgs[key]!.users.last!))
    }

    /// Adds a user unless one with that address exists; returns whether it was added.
    private mutating func insertUser(_ key: String, _ body: [String: SimulatorJSON], email: String) -> Bool {
        guard essentials.orgs[key]!.userEmails.insert(email.lowercased()).inserted else { return false }
        var user = body
        user["primary_email"] = .string(email.lowercased())
        user["type"] = body["type"] ?? "end_user"
        user["uid"] = .string(newID("essentials-user"))
        essentials.orgs[key]!.users.append(user)
        return true
    }
}
