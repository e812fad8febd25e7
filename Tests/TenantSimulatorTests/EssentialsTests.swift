import Foundation
import TenantSimulator
import Testing

@Suite("Proofpoint Essentials", .timeLimit(.minutes(2)))
struct EssentialsTests {
    @Test("bad or missing X-User / X-Password gets 401")
    func authentication() async throws {
        try await Harness.run { harness async throws in
            #expect(try await harness.essentials("/orgs/contoso.com").status == 200)
            let wrong = try await harness.essentials("/orgs/contoso.com", password: "wrong")
            #expect(wrong.status == 401)
            #expect(wrong.json?["status"] == 401)
            #expect(
                try await harness.send(.GET, harness.endpoints.essentials + "/api/v1/orgs/contoso.com").status == 401)
        }
    }

    @Test("org, children, features, region")
    func organizations() async throws {
        try await Harness.run { harness async throws in
            let org = try #require(try await harness.essentials("/orgs/contoso.com").json)
            #expect(org["primary_domain"] == "contoso.com")
            #expect(org["parent_domain"] == "msp.example")
            let children = try #require(
                try await harness.essentials("/orgs/msp.example/orgs").json?["orgs"]?.arrayValue)
            #expect(children.map { $0["primary_domain"] } == ["contoso.com"])
            #expect(
                try await harness.essentials("/orgs/contoso.com/features").json?["features"]?.arrayValue?.contains(
                    "m365_integration") == true)
            #expect(try await harness.essentials("/orgs/msp.example/features").json?["features"] == [])
            #expect(try await harness.essentials("/endpoints/contoso.com").json?["region"] == "us1")
            #expect(try await harness.essentials("/orgs/unknown.example").status == 404)
        }
    }

    @Test("domains are added with relay off, updated with PUT, and a duplicate is 409")
    func domains() async throws {
        try await Harness.run { harness async throws in
            let added = try await harness.essentials(
                "/orgs/contoso.com/domains", method: .POST, body: #"{"name":"mail.contoso.com","is_relay":false}"#)
            #expect(added.status == 201)
            #expect(added.json?["is_relay"] == false)
            let duplicate = try await harness.essentials(
                "/orgs/contoso.com/domains", method: .POST, body: #"{"name":"MAIL.contoso.com"}"#)
            #expect(duplicate.status == 409)
            let updated = try await harness.essentials(
                "/orgs/contoso.com/domains/mail.contoso.com", method: .PUT, body: #"{"is_relay":true}"#)
            #expect(updated.json?["is_relay"] == true)
            #expect(
                try await harness.essentials("/orgs/contoso.com/domains/mail.contoso.com").json?["is_relay"] == true)
            #expect(
                try await harness.essentials("/orgs/contoso.com/domains", method: .POST, body: "nope").status == 400)
            #expect(try await harness.essentials("/endpoints/mail.contoso.com").json?["domain"] == "contoso.com")
            let org = try #require(harness.simulator.snapshot().essentialsOrganization("contoso.com"))
            #expect(org.domains.count == 2)
        }
    }

    @Test("users, Azure sync settings and the parent's integrations flag round-trip")
    func usersAndSettings() async throws {
        try await Harness.run { harness async throws in
            let user = #"{"primary_email":"adele@contoso.com","firstname":"Adele","surname":"Vance"}"#
            #expect(try await harness.essentials("/orgs/contoso.com/users", method: .POST, body: user).status == 201)
            #expect(try await harness.essentials("/orgs/contoso.com/users", method: .POST, body: user).status == 409)
            #expect(try await harness.essentials("/orgs/contoso.com/users").json?["users"]?.arrayValue?.count == 1)

            let settings = #"{"enabled":true,"tenant_id":"abc","sync_frequency_hours":12}"#
            #expect(
                try await harness.essentials("/orgs/contoso.com/settings/azure", method: .PUT, body: settings).status
                    == 200)
            let read = try #require(try await harness.essentials("/orgs/contoso.com/settings/azure").json)
            #expect(read["enabled"] == true)
            #expect(read["sync_frequency_hours"] == 12)
            #expect(read["sync_users"] == true)

            let flag = "/orgs/msp.example/settings/integrations"
            #expect(try await harness.essentials(flag).json?["allow_customers_to_use_integrations"] == false)
            #expect(
                try await harness.essentials(
                    flag, method: .PUT, body: #"{"allow_customers_to_use_integrations":"yes"}"#
                ).status == 400)
            #expect(
                try await harness.essentials(flag, method: .PUT, body: #"{"allow_customers_to_use_integrations":true}"#)
                    .status == 200)
            #expect(
                harness.simulator.snapshot().essentialsOrganization("msp.example")?.integrationSettings[
                    "allow_customers_to_use_integrations"] == true)
        }
    }
}
