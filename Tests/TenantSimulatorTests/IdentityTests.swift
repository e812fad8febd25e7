import Foundation
import TenantSimulator
import Testing

@Suite("Identity platform", .timeLimit(.minutes(2)))
struct IdentityTests {
    @Test("a token after consent carries the consented roles and JWT claims")
    func tokenCarriesRoles() async throws {
        try await Harness.run { harness async throws in
            try harness.simulator.grantConsent([.userReadAll, .domainReadAll])
            let answer = try await harness.tokenAnswer()
            #expect(answer.status == 200)
            let json = try #require(answer.json)
            #expect(json["token_type"] == "Bearer")
            #expect(json["expires_in"]?.intValue == 3599)
            let token = try #require(json["access_token"]?.stringValue)
            #expect(token.split(separator: ".").count == 3)
            let claims = try #require(Harness.claims(token))
            #expect(claims["aud"] == "https://graph.microsoft.com")
            #expect(claims["tid"]?.stringValue == harness.tenantId)
            #expect(claims["appid"]?.stringValue == harness.application.clientId)
            #expect(
                Set(claims["roles"]?.arrayValue?.compactMap(\.stringValue) ?? []) == [
                    "User.Read.All", "Domain.Read.All",
                ])
            let iat = try #require(claims["iat"]?.intValue)
            #expect(claims["exp"]?.intValue == iat + 3599)
        }
    }

    @Test("an Exchange token holds Exchange.ManageAsApp only once the app role is assigned")
    func exchangeTokenRole() async throws {
        try await Harness.run { harness async throws in
            try harness.simulator.grantConsent(GraphPermission.allGraph)
            let before = try await harness.token(scope: "https://outlook.office365.com/.default")
            #expect(Harness.claims(before)?["roles"] == nil)
            #expect(Harness.claims(before)?["aud"] == "https://outlook.office365.com")
            try harness.simulator.grantConsent([.exchangeManageAsApp])
            let after = try await harness.token(scope: "https://outlook.office365.com/.default")
            #expect(Harness.claims(after)?["roles"] == ["Exchange.ManageAsApp"])
        }
    }

    @Test("a wrong secret gets AADSTS7000215 in Microsoft's error shape")
    func wrongSecret() async throws {
        try await Harness.run { harness async throws in
            try harness.simulator.grantConsent(GraphPermission.allGraph)
            let answer = try await harness.tokenAnswer(secret: "nope")
            #expect(answer.status == 401)
            let json = try #require(answer.json)
            #expect(json["error"] == "invalid_client")
            #expect(json["error_codes"] == [7_000_215])
            #expect(
                json["error_description"]?.stringValue?.hasPrefix("AADSTS7000215: Invalid client secret provided.")
                    == true)
            #expect(json["trace_id"]?.stringValue != nil)
            #expect(json["correlation_id"]?.stringValue != nil)
        }
    }

    @Test("no service principal yet gets AADSTS7000229; an unknown client AADSTS700016; no consent AADSTS65001")
    func consentErrors() async throws {
        try await Harness.run { harness async throws in
            let missing = try await harness.tokenAnswer()
            #expect(missing.json?["error_codes"] == [7_000_229])
            let unknown = try await harness.tokenAnswer(clientId: "00000000-1111-2222-3333-444444444444")
            #expect(unknown.status == 400)
            #expect(unknown.json?["error_codes"] == [700_016])
            try harness.simulator.grantConsent(GraphPermission.allGraph)
            try harness.simulator.revokeConsent(GraphPermission.allGraph)
            let revoked = try await harness.tokenAnswer()
            #expect(revoked.status == 400)
            #expect(revoked.json?["error"] == "invalid_grant")
            #expect(revoked.json?["error_codes"] == [65001])
        }
    }

    @Test("consent not yet visible in tokens during the propagation delay")
    func tokenRolePropagation() async throws {
        try await Harness.run { harness async throws in
            harness.simulator.updateTimings { $0.tokenRolePropagationDelay = .seconds(30) }
            try harness.simulator.grantConsent(GraphPermission.allGraph)
            #expect(try await harness.tokenAnswer().json?["error_codes"] == [65001])
            harness.simulator.advanceTime(by: .seconds(31))
            #expect(try await harness.tokenAnswer().status == 200)
        }
    }

    @Test("an expired token gets 401 InvalidAuthenticationToken")
    func expiredToken() async throws {
        try await Harness.run { harness async throws in
            harness.simulator.updateTimings { $0.tokenLifetime = .seconds(60) }
            let token = try await harness.consentedGraphToken()
            #expect(try await harness.graph("/domains", token: token).status == 200)
            harness.simulator.advanceTime(by: .seconds(61))
            let answer = try await harness.graph("/domains", token: token)
            #expect(answer.status == 401)
            #expect(answer.json?["error"]?["code"] == "InvalidAuthenticationToken")
            #expect(answer.json?["error"]?["message"]?.stringValue?.contains("expired") == true)
        }
    }

    @Test("a tampered token is refused")
    func tamperedToken() async throws {
        try await Harness.run { harness async throws in
            let token = try await harness.consentedGraphToken()
            let parts = token.split(separator: ".")
            let forged = parts[0] + "." + parts[1] + ".AAAA"
            #expect(try await harness.graph("/domains", token: String(forged)).status == 401)
            #expect(try await harness.graph("/domains", token: "").status == 401)
        }
    }

    @Test("admin consent redirects with tenant, state and admin_consent, or with permission_denied")
    func adminConsent() async throws {
        try await Harness.run { harness async throws in
            let url =
                "\(harness.endpoints.login)/\(harness.tenantId)/v2.0/adminconsent?client_id=\(harness.application.clientId)"
                + "&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&redirect_uri=https%3A%2F%2Fapp.example%2Fcallback&state=xyz123"
            let approved = try await harness.send(.GET, url)
            #expect(approved.status == 302)
            let location = try #require(approved.headers.first(name: "Location"))
            let components = try #require(URLComponents(string: location))
            #expect(components.host == "app.example")
            let items = Dictionary(
                uniqueKeysWithValues: (components.queryItems ?? []).map { ($0.name, $0.value ?? "") })
            #expect(items["tenant"] == harness.tenantId)
            #expect(items["state"] == "xyz123")
            #expect(items["admin_consent"] == "True")
            #expect(harness.simulator.snapshot().tenants[0].grantedPermissions.count == 9)

            let noScope = try await harness.send(.GET, url.replacingOccurrences(of: "&scope=", with: "&other="))
            #expect(noScope.status == 400)
            #expect(noScope.json?["error_codes"] == [900144])

            try harness.simulator.refuseConsent("The admin canceled the request.")
            let refused = try await harness.send(.GET, url)
            let refusedItems = URLComponents(string: refused.headers.first(name: "Location") ?? "")?.queryItems ?? []
            #expect(refusedItems.contains(URLQueryItem(name: "error", value: "permission_denied")))
            #expect(refusedItems.contains(URLQueryItem(name: "state", value: "xyz123")))
            #expect(!refusedItems.contains { $0.name == "admin_consent" })
        }
    }
}
