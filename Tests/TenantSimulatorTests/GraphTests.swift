import Foundation
import TenantSimulator
import Testing

@Suite("Microsoft Graph", .timeLimit(.minutes(2)))
struct GraphTests {
    @Test("a missing permission answers 403 Authorization_RequestDenied in Graph's error shape")
    func permissionEnforced() async throws {
        try await Harness.run { harness async throws in
            try harness.simulator.grantConsent([.domainReadAll])
            let token = try await harness.token()
            #expect(try await harness.graph("/domains", token: token).status == 200)
            let denied = try await harness.graph("/users", token: token)
            #expect(denied.status == 403)
            let error = try #require(denied.json?["error"])
            #expect(error["code"] == "Authorization_RequestDenied")
            #expect(error["message"] == "Insufficient privileges to complete the operation.")
            #expect(error["innerError"]?["request-id"]?.stringValue != nil)
            #expect(error["innerError"]?["date"]?.stringValue != nil)
            // Roles are fixed at issuance: a later grant needs a new token.
            try harness.simulator.grantConsent([.userReadAll])
            #expect(try await harness.graph("/users", token: token).status == 403)
            #expect(try await harness.graph("/users", token: try await harness.token()).status == 200)
        }
    }

    @Test("domains list id, isVerified and supportedServices")
    func domains() async throws {
        try await Harness.run { harness async throws in
            let token = try await harness.consentedGraphToken()
            let value = try #require(try await harness.graph("/domains", token: token).json?["value"]?.arrayValue)
            #expect(value.count == 5)
            let pending = try #require(value.first { $0["id"] == "contoso-pending.com" })
            #expect(pending["isVerified"] == false)
            let mail = try #require(value.first { $0["id"] == "mail.contoso.com" })
            #expect(mail["isVerified"] == true)
            #expect(mail["supportedServices"] == ["Email"])
        }
    }

    @Test("users page by $top with absolute @odata.nextLink until the end")
    func usersPaging() async throws {
        try await Harness.run(.configured { $0.tenants = [TenantSeed(name: "fabrikam", seed: 9, userCount: 250)] }) {
            harness async throws in
            let token = try await harness.consentedGraphToken()
            var url = "/users?$top=100"
            var ids: [String] = []
            var pages = 0
            while true {
                let answer = try await harness.graph(url, token: token)
                #expect(answer.status == 200)
                let json = try #require(answer.json)
                ids += json["value"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
                pages += 1
                guard let next = json["@odata.nextLink"]?.stringValue else { break }
                #expect(next.hasPrefix(harness.endpoints.graph + "/v1.0/users?"))
                url = next
            }
            #expect(pages == 3)
            #expect(ids.count == 250)
            #expect(Set(ids).count == 250)
            #expect(ids[0] == (try harness.simulator.seededUserId(0)))
            #expect(try await harness.graph("/users?$top=1000", token: token).status == 400)
        }
    }

    @Test("the same seed yields the same directory")
    func deterministic() async throws {
        var first: [String] = []
        for _ in 0..<2 {
            try await Harness.run(.configured { $0.tenants = [TenantSeed(name: "adatum", seed: 42, userCount: 5)] }) {
                harness async throws in
                let token = try await harness.consentedGraphToken()
                let users = try #require(try await harness.graph("/users", token: token).json?["value"]?.arrayValue)
                let names = users.compactMap { $0["userPrincipalName"]?.stringValue } + [harness.tenantId]
                if first.isEmpty { first = names } else { #expect(names == first) }
            }
        }
        #expect(first.count == 6)
    }

    @Test("a tenant of 100,000 users serves its last user and pages of 999 without storing users")
    func largeTenant() async throws {
        try await Harness.run(.configured { $0.tenants = [TenantSeed(name: "big", seed: 3, userCount: 100_000)] }) {
            harness async throws in
            let token = try await harness.consentedGraphToken()
            let last = try harness.simulator.seededUserId(99_999)
            let user = try await harness.graph("/users/\(last)", token: token)
            #expect(user.status == 200)
            #expect(user.json?["id"]?.stringValue == last)
            let page = try await harness.graph("/users?$top=999", token: token)
            #expect(page.json?["value"]?.arrayValue?.count == 999)
            #expect(harness.simulator.snapshot().tenants[0].userCount == 100_000)
            #expect(
                try await harness.graph("/users/\(try harness.simulator.seededUserId(100_000))", token: token).status
                    == 404)
        }
    }

    @Test("group members default to 100 a page, follow nextLink, and reject $top above 999")
    func members() async throws {
        try await Harness.run(
            .configured {
                $0.tenants = [TenantSeed(name: "contoso", seed: 1, userCount: 500, groupCount: 3, membersPerGroup: 230)]
            }
        ) { harness async throws in
            let token = try await harness.consentedGraphToken()
            let groups = try #require(try await harness.graph("/groups", token: token).json?["value"]?.arrayValue)
            #expect(groups.count == 3)
            let groupId = try #require(groups[1]["id"]?.stringValue)
            var url = "/groups/\(groupId)/members"
            var sizes: [Int] = []
            while true {
                let json = try #require(try await harness.graph(url, token: token).json)
                sizes.append(json["value"]?.arrayValue?.count ?? -1)
                guard let next = json["@odata.nextLink"]?.stringValue else { break }
                url = next
            }
            #expect(sizes == [100, 100, 30])
            let tooBig = try await harness.graph("/groups/\(groupId)/members?$top=1000", token: token)
            #expect(tooBig.status == 400)
            #expect(tooBig.json?["error"]?["code"] == "Request_BadRequest")
            #expect(
                try await harness.graph("/groups/\(groupId)/members?$top=999", token: token).json?["value"]?.arrayValue?
                    .count == 230)
        }
    }

    @Test("users/delta pages to a deltaLink that reports additions and removals, and expires as 410 syncStateNotFound")
    func usersDelta() async throws {
        try await Harness.run(.configured { $0.tenants = [TenantSeed(name: "contoso", seed: 1, userCount: 30)] }) {
            harness async throws in
            let token = try await harness.consentedGraphToken()
            var url = "/users/delta?$top=20"
            var total = 0
            var deltaLink: String?
            while deltaLink == nil {
                let json = try #require(try await harness.graph(url, token: token).json)
                total += json["value"]?.arrayValue?.count ?? 0
                if let next = json["@odata.nextLink"]?.stringValue {
                    url = next
                } else {
                    deltaLink = try #require(json["@odata.deltaLink"]?.stringValue)
                }
            }
            #expect(total == 30)
            let link = try #require(deltaLink)
            #expect(link.hasPrefix(harness.endpoints.graph + "/v1.0/users/delta?$deltatoken="))

            let empty = try #require(try await harness.graph(link, token: token).json)
            #expect(empty["value"]?.arrayValue?.isEmpty == true)

            let added = try harness.simulator.addUser(displayName: "New Person", userPrincipalName: "new@contoso.com")
            let removed = try harness.simulator.seededUserId(4)
            try harness.simulator.removeUser(id: removed)
            let changes = try #require(try await harness.graph(link, token: token).json)
            let values = try #require(changes["value"]?.arrayValue)
            #expect(values.count == 2)
            #expect(values.contains { $0["id"]?.stringValue == added && $0["displayName"] == "New Person" })
            #expect(values.contains { $0["id"]?.stringValue == removed && $0["@removed"]?["reason"] == "deleted" })
            let newLink = try #require(changes["@odata.deltaLink"]?.stringValue)

            try harness.simulator.expireDeltaLinks()
            let gone = try await harness.graph(newLink, token: token)
            #expect(gone.status == 410)
            #expect(gone.json?["error"]?["code"] == "syncStateNotFound")
        }
    }

    @Test("delta links expire after the delta link lifetime; groups/delta ends in a deltaLink")
    func deltaLifetime() async throws {
        try await Harness.run { harness async throws in
            let token = try await harness.consentedGraphToken()
            let json = try #require(try await harness.graph("/groups/delta", token: token).json)
            #expect(json["value"]?.arrayValue?.count == 4)
            let link = try #require(json["@odata.deltaLink"]?.stringValue)
            #expect(try await harness.graph(link, token: token).status == 200)
            harness.simulator.advanceTime(by: .seconds(8 * 24 * 3600))
            let fresh = try await harness.token()
            let gone = try await harness.graph(link, token: fresh)
            #expect(gone.status == 410)
            #expect(gone.json?["error"]?["code"] == "syncStateNotFound")
        }
    }

    @Test("the service principal stays invisible during replication lag")
    func replicationLag() async throws {
        try await Harness.run(.configured { $0.timings.servicePrincipalReplicationLag = .seconds(45) }) {
            harness async throws in
            let token = try await harness.consentedGraphToken()
            let filter = "/servicePrincipals?$filter=appId%20eq%20'\(harness.application.clientId)'"
            #expect(try await harness.graph(filter, token: token).json?["value"]?.arrayValue?.count == 0)
            harness.simulator.advanceTime(by: .seconds(46))
            let found = try #require(try await harness.graph(filter, token: token).json?["value"]?.arrayValue)
            #expect(found.count == 1)
            #expect(found.first?["appId"]?.stringValue == harness.application.clientId)
            let exchange = "/servicePrincipals?$filter=appId%20eq%20'00000002-0000-0ff1-ce00-000000000000'"
            let exo = try #require(try await harness.graph(exchange, token: token).json?["value"]?.arrayValue?.first)
            #expect(exo["appRoles"]?.arrayValue?.first?["id"] == "dc50a0fb-09a3-484d-be87-e023b12c6440")
        }
    }

    @Test("app role assignments: POST creates, GET lists after the read lag, a repeat is refused")
    func appRoleAssignments() async throws {
        try await Harness.run(.configured { $0.timings.appRoleAssignmentReadLag = .seconds(30) }) {
            harness async throws in
            let token = try await harness.consentedGraphToken()
            harness.simulator.advanceTime(by: .seconds(31))
            let snapshot = harness.simulator.snapshot().tenants[0]
            let ours = try #require(snapshot.servicePrincipalId)
            let filter = "/servicePrincipals?$filter=appId%20eq%20'00000002-0000-0ff1-ce00-000000000000'"
            let exo = try #require(
                try await harness.graph(filter, token: token).json?["value"]?.arrayValue?.first?["id"]?.stringValue)
            let body: SimulatorJSON = [
                "principalId": .string(ours), "resourceId": .string(exo),
                "appRoleId": "dc50a0fb-09a3-484d-be87-e023b12c6440",
            ]
            let created = try await harness.graph(
                "/servicePrincipals/\(ours)/appRoleAssignments", method: .POST, token: token, body: body.serialized())
            #expect(created.status == 201)
            let path = "/servicePrincipals/\(ours)/appRoleAssignments"
            let listed = try #require(try await harness.graph(path, token: token).json?["value"]?.arrayValue)
            #expect(listed.count == 9)  // the consented Graph roles only; the new one is not visible yet
            harness.simulator.advanceTime(by: .seconds(31))
            let later = try #require(try await harness.graph(path, token: token).json?["value"]?.arrayValue)
            #expect(later.contains { $0["resourceId"]?.stringValue == exo })
            let repeated = try await harness.graph(path, method: .POST, token: token, body: body.serialized())
            #expect(repeated.status == 400)
        }
    }

    @Test("directory role assignments: filter by principalId; a duplicate answers 400 conflicting object")
    func roleAssignments() async throws {
        try await Harness.run { harness async throws in
            let token = try await harness.consentedGraphToken()
            let ours = try #require(harness.simulator.snapshot().tenants[0].servicePrincipalId)
            let body: SimulatorJSON = [
                "principalId": .string(ours), "roleDefinitionId": "29232cdf-9323-42fd-ade2-1d097af3e4de",
                "directoryScopeId": "/",
            ]
            let path = "/roleManagement/directory/roleAssignments"
            #expect(try await harness.graph(path, method: .POST, token: token, body: body.serialized()).status == 201)
            let duplicate = try await harness.graph(path, method: .POST, token: token, body: body.serialized())
            #expect(duplicate.status == 400)
            #expect(
                duplicate.json?["error"]?["message"]
                    == "A conflicting object with one or more of the specified property values is present in the directory."
            )
            let filtered = try #require(
                try await harness.graph("\(path)?$filter=principalId%20eq%20'\(ours)'", token: token).json?["value"]?
                    .arrayValue)
            #expect(filtered.count == 1)
            #expect(filtered.first?["roleDefinitionId"] == "29232cdf-9323-42fd-ade2-1d097af3e4de")
            let other = try await harness.graph("\(path)?$filter=principalId%20eq%20'nobody'", token: token)
            #expect(other.json?["value"]?.arrayValue?.isEmpty == true)
            #expect(harness.simulator.snapshot().tenants[0].directoryRoleAssignments.count == 1)
        }
    }

    @Test("moving a message returns it with a new id in the destination folder")
    func moveMessage() async throws {
        try await Harness.run { harness async throws in
            let token = try await harness.consentedGraphToken()
            let user = try harness.simulator.seededUserId(2)
            let message = try harness.simulator.addMessage(userId: user, subject: "Suspicious")
            let moved = try await harness.graph(
                "/users/\(user)/messages/\(message)/move", method: .POST, token: token,
                body: #"{"destinationId":"deleteditems"}"#)
            #expect(moved.status == 201)
            let newId = try #require(moved.json?["id"]?.stringValue)
            #expect(newId != message)
            #expect(moved.json?["parentFolderId"] == "deleteditems")
            #expect(moved.json?["subject"] == "Suspicious")
            let again = try await harness.graph(
                "/users/\(user)/messages/\(message)/move", method: .POST, token: token,
                body: #"{"destinationId":"inbox"}"#)
            #expect(again.status == 404)
            #expect(again.json?["error"]?["code"] == "ErrorItemNotFound")
        }
    }

    @Test("malformed JSON and unknown segments get Graph errors and the server keeps serving")
    func badInput() async throws {
        try await Harness.run { harness async throws in
            let token = try await harness.consentedGraphToken()
            let bad = try await harness.graph(
                "/roleManagement/directory/roleAssignments", method: .POST, token: token, body: "{not json")
            #expect(bad.status == 400)
            #expect(bad.json?["error"]?["code"] == "BadRequest")
            let unknown = try await harness.graph("/nonsense", token: token)
            #expect(unknown.status == 400)
            #expect(unknown.json?["error"]?["message"] == "Resource not found for the segment 'nonsense'.")
            #expect(try await harness.graph("/users?$skiptoken=%%%", token: token).status == 400)
            // A forged cursor with a negative position ("u:-5", "g:-1") is refused, not served.
            #expect(try await harness.graph("/users?$skiptoken=dTotNQ", token: token).status == 400)
            #expect(try await harness.graph("/groups?$skiptoken=ZzotMQ", token: token).status == 400)
            let filter = "/servicePrincipals?$filter=appId+eq+'\(harness.application.clientId)'"
            #expect(try await harness.graph(filter, token: token).json?["value"]?.arrayValue?.count == 1)
            #expect(try await harness.send(.GET, harness.endpoints.base + "/nowhere").status == 404)
            #expect(try await harness.graph("/domains", token: token).status == 200)
        }
    }
}
