import AsyncHTTPClient
import Foundation
import Logging
import TenantSimulator
import Testing

@Suite("Lifecycle and bad input", .timeLimit(.minutes(2)))
struct LifecycleTests {
    @Test("run() serves until its task is cancelled, then returns", .timeLimit(.minutes(1)))
    func runUntilCancelled() async throws {
        var logger = Logger(label: "LifecycleTests")
        logger.logLevel = .critical
        let simulator = Simulator(configuration: .default, logger: logger)
        #expect(simulator.endpoints == nil)
        try await withThrowingTaskGroup(of: Void.self) { group in
            let (ready, continuation) = AsyncStream<SimulatorEndpoints>.makeStream()
            group.addTask { try await simulator.run(onReady: { continuation.yield($0) }) }
            var iterator = ready.makeAsyncIterator()
            let endpoints = try #require(await iterator.next())
            #expect(simulator.endpoints == endpoints)
            #expect(endpoints.httpPort > 0)
            #expect(endpoints.graph == "http://127.0.0.1:\(endpoints.httpPort)/graph")
            let response = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: endpoints.inspection + "/state"), timeout: .seconds(10))
            #expect(response.status.code == 200)
            _ = try await response.body.collect(upTo: 1 << 20)
            group.cancelAll()
            try? await group.waitForAll()
        }
    }

    @Test("malformed bodies and headers get the service's error and never stop the server")
    func badInput() async throws {
        try await Harness.run { harness async throws in
            let emptyForm = try await harness.send(
                .POST, "\(harness.endpoints.login)/\(harness.tenantId)/oauth2/v2.0/token")
            #expect(emptyForm.status == 400)
            #expect(emptyForm.json?["error"] == "unsupported_grant_type")
            let unknownTenant = try await harness.send(
                .POST, "\(harness.endpoints.login)/nobody.example/oauth2/v2.0/token")
            #expect(unknownTenant.json?["error_codes"] == [90002])

            let token = try await harness.exchangeReadyToken()
            #expect(try await harness.exchangeRaw("[1,2]", token: token).status == 400)
            #expect(try await harness.exchangeRaw(#"{"CmdletInput":{}}"#, token: token).status == 400)
            #expect(
                try await harness.exchange("Set-InboundConnector", ["RequireTls": true], token: token).status == 400)
            // Numbers beyond Int must not trap the server.
            let rule = #"{"CmdletInput":{"CmdletName":"New-TransportRule","Parameters":{"Name":"r","SetSCL":1e300}}}"#
            #expect(try await harness.exchangeRaw(rule, token: token).status == 400)

            let badAuth = try await harness.send(
                .GET, "\(harness.endpoints.graph)/v1.0/users", headers: [("Authorization", "Basic Zm9vOmJhcg==")])
            #expect(badAuth.status == 401)
            #expect(badAuth.json?["error"]?["code"] == "InvalidAuthenticationToken")

            let settings = "/orgs/contoso.com/settings/azure"
            #expect(try await harness.essentials(settings, method: .PUT, body: "[]").status == 400)
            #expect(try await harness.essentials("/orgs/contoso.com/domains", method: .POST, body: "{}").status == 400)

            var huge = SimulatorConfiguration().maximumBodySize
            huge += 1
            let tooLarge = try await harness.send(
                .POST, "\(harness.endpoints.essentials)/api/v1/orgs/contoso.com/domains",
                body: String(repeating: "x", count: huge))
            #expect(tooLarge.status == 413)

            #expect(try await harness.essentials("/orgs/contoso.com").status == 200)
        }
    }
}
