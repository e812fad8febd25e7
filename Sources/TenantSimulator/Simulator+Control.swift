import Foundation

/// In-process control: consent, time, timings, faults, directory and DNS changes.
extension Simulator {
    func withTenant<T>(_ tenantId: String?, _ body: (inout World, String) throws -> T) throws -> T {
        try core.change { world in
            guard let key = tenantId.map({ world.tenantKey(for: $0) }) ?? world.tenantOrder.first else {
                throw SimulatorError(.unknownTenant, "No simulated tenant '\(tenantId ?? "")'.")
            }
            return try body(&world, key)
        }
    }

    /// The id of a simulated tenant (the first one when `name` is `nil`).
    ///
    /// - Throws: ``SimulatorError`` when no tenant has that id, domain or name.
    public func tenantId(_ name: String? = nil) throws -> String {
        try core.world.withLock { world in
            let key = world.tenantOrder.first { key in
                name == nil || world.tenants[key]!.seed.name == name || key == name?.lowercased()
            }
            guard let key else { throw SimulatorError(.unknownTenant, "No simulated tenant '\(name ?? "")'.") }
            return world.tenants[key]!.tenantId
        }
    }

    /// Grants permissions to the application as admin consent would (creating its service principal if needed).
    ///
    /// - Parameters:
    ///   - permissions: Graph permissions, or ``GraphPermission/exchangeManageAsApp``.
    ///   - tenantId: the tenant id or a domain; the first tenant when `nil`.
    public func grantConsent(_ permissions: [GraphPermission], tenantId: String? = nil) throws {
        try withTenant(tenantId) { world, key in world.grantConsent(tenantKey: key, permissions: permissions) }
    }

    /// Revokes individual permissions; tokens issued afterwards lack them.
    public func revokeConsent(_ permissions: [GraphPermission], tenantId: String? = nil) throws {
        try withTenant(tenantId) { world, key in world.revokeConsent(tenantKey: key, permissions: permissions) }
    }

    /// Makes the admin-consent endpoint refuse (`error=permission_denied`) with this description, or approve again
    /// with `nil`.
    public func refuseConsent(_ description: String?, tenantId: String? = nil) throws {
        try withTenant(tenantId) { world, key in world.tenants[key]!.consentRefusal = description }
    }

    /// Moves the simulator's clock forward (tokens expire, propagation delays pass, delta links age).
    public func advanceTime(by duration: Duration) {
        core.change { $0.timeOffset += duration.simulatorSeconds }
    }

    /// The simulator's clock now.
    public var now: Date { core.world.withLock { $0.now() } }

    /// Changes delays and lifetimes while running; applies to the next request.
    public func updateTimings(_ change: (inout SimulatorTimings) -> Void) {
        core.world.withLock { change(&$0.timings) }
    }

    /// Arms a fault; returns its id for ``removeFault(_:)``.
    @discardableResult
    public func inject(_ fault: Fault) -> FaultID {
        FaultID(value: core.world.withLock { $0.arm(fault) })
    }

    /// Disarms one fault.
    public func removeFault(_ id: FaultID) {
        core.world.withLock { $0.faults.removeAll { $0.id == id.value } }
    }

    /// Disarms every fault.
    public func removeAllFaults() {
        core.world.withLock { $0.faults.removeAll() }
    }

    /// Makes every delta link issued so far answer 410 `syncStateNotFound`.
    public func expireDeltaLinks(tenantId: String? = nil) throws {
        try withTenant(tenantId) { world, key in world.tenants[key]!.deltaGeneration += 1 }
    }

    /// Adds a user; it shows in listings and in the next delta round. Returns its id.
    @discardableResult
    public func addUser(displayName: String, userPrincipalName: String, tenantId: String? = nil) throws -> String {
        try withTenant(tenantId) { world, key in
            let id = world.newID("added-user")
            world.tenants[key]!.addedUsers[id] = [
                "id": .string(id), "displayName": .string(displayName), "userPrincipalName": .string(userPrincipalName),
                "mail": .string(userPrincipalName), "accountEnabled": true,
            ]
            world.tenants[key]!.addedUserOrder.append(id)
            world.tenants[key]!.version += 1
            world.tenants[key]!.userChanges.append(.init(version: world.tenants[key]!.version, userId: id))
            return id
        }
    }

    /// Removes a user (seeded or added); the next delta round reports it `@removed`.
    public func removeUser(id: String, tenantId: String? = nil) throws {
        try withTenant(tenantId) { world, key in
            guard world.tenants[key]!.user(id: id) != nil else {
                throw SimulatorError(.notFound, "No user '\(id)'.")
            }
            world.tenants[key]!.removedUsers.insert(id.lowercased())
            world.tenants[key]!.version += 1
            world.tenants[key]!.userChanges.append(.init(version: world.tenants[key]!.version, userId: id.lowercased()))
        }
    }

    /// The id of seeded user `index`.
    public func seededUserId(_ index: Int, tenantId: String? = nil) throws -> String {
        try withTenant(tenantId) { world, key in world.tenants[key]!.userId(index) }
    }

    /// The id of seeded group `index`.
    public func seededGroupId(_ index: Int, tenantId: String? = nil) throws -> String {
        try withTenant(tenantId) { world, key in world.tenants[key]!.groupId(index) }
    }

    /// Puts a message in a user's mailbox; returns its id.
    @discardableResult
    public func addMessage(userId: String, subject: String, folderId: String = "inbox", tenantId: String? = nil) throws
        -> String
    {
        try withTenant(tenantId) { world, key in
            guard let user = world.findUser(key, userId), let id = user["id"]?.stringValue else {
                throw SimulatorError(.notFound, "No user '\(userId)'.")
            }
            let messageId = "AAMk" + Base64URL.encode(Array(world.newID("message").utf8))
            world.tenants[key]!.messages[messageId] = .init(
                id: messageId, userId: id, subject: subject, parentFolderId: folderId)
            return messageId
        }
    }

    /// Replaces the TXT records of a DNS name (creating the name); `nil` removes the name (NXDOMAIN).
    public func setTXTRecords(_ records: [String]?, for name: String) {
        core.change { $0.dnsRecords[World.dnsKey(name)] = records }
    }

    /// Replaces the MX records of a DNS name (exchange host names, by preference); `nil` or empty
    /// removes them.
    public func setMXRecords(_ exchanges: [String]?, for name: String) {
        core.change { $0.mxRecords[World.dnsKey(name)] = exchanges.flatMap { $0.isEmpty ? nil : $0.map(World.dnsKey) } }
    }
}
