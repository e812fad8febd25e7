import Foundation
import TenantSimulator
import Testing

@Suite("Inspection", .timeLimit(.minutes(2)))
struct InspectionTests {
    @Test("GET /_simulator/state and /_simulator/requests show objects and counts per route")
    func overHTTP() async throws {
        try await Harness.run { harness async throws in
            let token = try await harness.exchangeReadyToken()
            for _ in 0..<3 {
                _ = try await harness.exchange("New-InboundConnector", ExchangeTests.inbound, token: token)
            }
            _ = try await harness.essentials(
                "/orgs/contoso.com/domains", method: .POST, body: #"{"name":"contoso.com.example"}"#)

            let state = try #require(try await harness.send(.GET, harness.endpoints.inspection + "/state").json)
            let tenant = try #require(state["tenants"]?.arrayValue?.first)
            #expect(tenant["inboundConnectors"]?.arrayValue?.count == 1)
            #expect(tenant["directoryRoleAssignments"]?.arrayValue?.count == 1)
            #expect(tenant["tenantId"]?.stringValue == harness.tenantId)
            let contoso = try #require(state["essentials"]?.arrayValue?.first { $0["domain"] == "contoso.com" })
            #expect(contoso["domains"]?.arrayValue?.count == 2)
            #expect(state["routeCounts"]?["exchange POST New-InboundConnector"] == 3)

            let requests = try #require(try await harness.send(.GET, harness.endpoints.inspection + "/requests").json)
            #expect(requests["counts"]?["exchange POST New-InboundConnector"] == 3)
            let log = try #require(requests["requests"]?.arrayValue)
            #expect(log.filter { $0["route"] == "New-InboundConnector" }.map { $0["status"] } == [200, 400, 400])
            // Inspection itself is not logged.
            #expect(!log.contains { $0["path"]?.stringValue?.hasPrefix("/_simulator") == true })
            #expect(try await harness.send(.GET, harness.endpoints.inspection + "/nothing").status == 404)
        }
    }

    @Test("the in-process snapshot matches what the services answer")
    func inProcess() async throws {
        try await Harness.run { harness async throws in
            let before = harness.simulator.snapshot()
            #expect(before.tenants.count == 1)
            #expect(before.tenants[0].servicePrincipalId == nil)
            #expect(before.dnsRecords["contoso.com"] != nil)
            _ = try await harness.consentedGraphToken()
            let after = harness.simulator.snapshot()
            #expect(after.tenants[0].servicePrincipalId != nil)
            #expect(after.tenants[0].grantedPermissions.count == 9)
            #expect(after.routeCounts["identity POST /token"] == 1)
            #expect(harness.simulator.requestCount(.identity, "post", "/token") == 1)
        }
    }

    @Test("control over HTTP: arm and clear faults, move the clock, change timings and DNS records")
    func controlOverHTTP() async throws {
        try await Harness.run { harness async throws in
            let control = harness.endpoints.inspection
            let fault =
                #"{"service":"essentials","method":"GET","route":"/orgs/{domain}","kind":"throttle","retryAfterSeconds":4,"times":1}"#
            let armed = try await harness.send(.POST, control + "/faults", body: fault)
            #expect(armed.status == 201)
            #expect(armed.json?["id"]?.intValue != nil)
            let throttled = try await harness.essentials("/orgs/contoso.com")
            #expect(throttled.status == 429)
            #expect(throttled.headers.first(name: "Retry-After") == "4")
            #expect(try await harness.essentials("/orgs/contoso.com").status == 200)

            let always = #"{"service":"essentials","kind":"unavailable","probability":1}"#
            #expect(try await harness.send(.POST, control + "/faults", body: always).status == 201)
            #expect(try await harness.essentials("/orgs/contoso.com").status == 503)
            #expect(try await harness.send(.DELETE, control + "/faults").status == 204)
            #expect(try await harness.essentials("/orgs/contoso.com").status == 200)
            #expect(try await harness.send(.POST, control + "/faults", body: #"{"kind":"explode"}"#).status == 400)

            let timings = try await harness.send(.PUT, control + "/timings", body: #"{"tokenLifetimeSeconds":60}"#)
            #expect(timings.json?["tokenLifetimeSeconds"]?.intValue == 60)
            #expect(try await harness.send(.PUT, control + "/timings", body: #"{"nope":1}"#).status == 400)
            let token = try await harness.consentedGraphToken()
            #expect(try await harness.graph("/domains", token: token).status == 200)
            #expect(try await harness.send(.POST, control + "/time", body: #"{"advanceSeconds":61}"#).status == 200)
            #expect(try await harness.graph("/domains", token: token).status == 401)

            let spf = #"{"txt":["v=spf1 include:_spf-us.ppe-hosted.com -all"]}"#
            #expect(try await harness.send(.PUT, control + "/dns/contoso.com", body: spf).status == 200)
            #expect(
                harness.simulator.snapshot().dnsRecords["contoso.com"] == ["v=spf1 include:_spf-us.ppe-hosted.com -all"]
            )
            #expect(try await harness.send(.PUT, control + "/dns/contoso.com", body: #"{"txt":null}"#).status == 200)
            #expect(harness.simulator.snapshot().dnsRecords["contoso.com"] == nil)

            // MX beside TXT; a wrong shape is refused and changes nothing.
            let mx = #"{"mx":["MX1-us1.ppe-hosted.com.","mx2-us1.ppe-hosted.com"]}"#
            #expect(try await harness.send(.PUT, control + "/dns/contoso.com", body: mx).status == 200)
            #expect(harness.simulator.snapshot().mxRecords["contoso.com"] == ["mx1-us1.ppe-hosted.com", "mx2-us1.ppe-hosted.com"])
            #expect(try await harness.send(.PUT, control + "/dns/contoso.com", body: #"{"mx":"mx1"}"#).status == 400)
            #expect(try await harness.send(.PUT, control + "/dns/contoso.com", body: #"{}"#).status == 400)
            #expect(harness.simulator.snapshot().mxRecords["contoso.com"]?.count == 2)
            #expect(try await harness.send(.PUT, control + "/dns/contoso.com", body: #"{"mx":null}"#).status == 200)
            #expect(harness.simulator.snapshot().mxRecords["contoso.com"] == nil)
        }
    }
}
