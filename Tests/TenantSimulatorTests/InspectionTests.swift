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
}
