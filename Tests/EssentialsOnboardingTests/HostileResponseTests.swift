import EssentialsOnboarding
import EssentialsOnboardingTesting
import Foundation
import OnboardingEngine
import Testing
import TenantSimulator

@Suite("Hostile or broken answers: a clear error, no crash, no token sent elsewhere", .timeLimit(.minutes(2)))
struct HostileResponseTests {
    @Test func aNextPageLinkToAnotherHostIsNotFollowed() async throws {
        try await SimulatedTenant.with { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph)
            tenant.simulator.inject(
                Fault(.graph, method: "GET", route: "/users", kind: .answer(body: #"{"value":[],"@odata.nextLink":"https://elsewhere.example/v1.0/users?$skiptoken=x"}"#)))
            let error = try await #require(throws: ServiceError.self) {
                let _: [GraphUser] = try await tenant.services.graph.all("/users")
            }
            #expect(error.code == .invalidResponse)
            #expect(error.message.contains("elsewhere.example"))
            #expect(error.message.contains("no token was sent there"))
            #expect(tenant.simulator.requestCount(.graph, "GET", "/users") == 1)
        }
    }

    @Test(arguments: ["http://[::1", "not a url at all", "ftp://127.0.0.1/users"])
    func aNextPageLinkThatIsNotAServiceURLIsAnErrorNotACrash(_ link: String) async throws {
        try await SimulatedTenant.with { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph)
            let body = #"{"value":[],"@odata.nextLink":"LINK"}"#.replacingOccurrences(of: "LINK", with: link)
            tenant.simulator.inject(Fault(.graph, method: "GET", route: "/users", kind: .answer(body: body)))
            let error = try await #require(throws: ServiceError.self) {
                let _: [GraphUser] = try await tenant.services.graph.all("/users")
            }
            #expect(error.code == .invalidResponse, "\(error)")
        }
    }

    @Test func nextPageLinksGoingRoundInACircleStopTheListing() async throws {
        try await SimulatedTenant.with { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph)
            let again = "\(tenant.endpoints.graph)/v1.0/users?$skiptoken=again"
            for _ in 0..<2 {
                tenant.simulator.inject(
                    Fault(.graph, method: "GET", route: "/users", kind: .answer(body: #"{"value":[],"@odata.nextLink":"\#(again)"}"#)))
            }
            let error = try await #require(throws: ServiceError.self) {
                let _: [GraphUser] = try await tenant.services.graph.all("/users")
            }
            // The second page links to itself: refused as the same page (a longer cycle is "in a circle").
            #expect(error.code == .invalidResponse)
            #expect(error.message.contains("same page") || error.message.contains("in a circle"), "\(error)")
            #expect(tenant.simulator.requestCount(.graph, "GET", "/users") == 2)
            // A page that links to itself is refused on its own too (the sync follows pages one by one).
            tenant.simulator.inject(
                Fault(.graph, method: "GET", route: "/users", kind: .answer(body: #"{"value":[],"@odata.nextLink":"\#(again)"}"#)))
            await #expect(throws: ServiceError.self) {
                let _: GraphPage<GraphUser> = try await tenant.services.graph.page(again)
            }
        }
    }

    @Test func exchangeNextLinksToAnotherHostAreNotFollowed() async throws {
        try await SimulatedTenant.with { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph + [.exchangeManageAsApp])
            tenant.simulator.inject(
                Fault(.exchange, method: "POST", route: "Get-InboundConnector", kind: .answer(body: #"{"value":[],"@odata.nextLink":"https://elsewhere.example/adminapi"}"#)))
            let error = try await #require(throws: ServiceError.self) {
                try await tenant.services.exchange.invoke("Get-InboundConnector")
            }
            #expect(error.service == .exchange)
            #expect(error.code == .invalidResponse)
        }
    }

    @Test(arguments: [
        (SimulatedService.graph, "GET", "/domains", "<html>maintenance</html>"),
        (SimulatedService.graph, "GET", "/domains", #"{"value": 42}"#),
        (SimulatedService.identity, "POST", "/token", #"{"access_token": 5, "expires_in": "soon"}"#),
    ])
    func aBodyOfTheWrongShapeIsAServiceError(_ service: SimulatedService, _ method: String, _ route: String, _ body: String) async throws {
        try await SimulatedTenant.with { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph)
            tenant.simulator.inject(Fault(service, method: method, route: route, kind: .answer(body: body)))
            let error = try await #require(throws: ServiceError.self) { try await tenant.services.graph.domains() }
            #expect(error.code == .invalidResponse, "\(error)")
        }
    }

    @Test func theDirectorySyncFailsWithTheReasonInsteadOfFollowingAHostileLink() async throws {
        try await SimulatedTenant.with { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph)
            tenant.simulator.inject(
                Fault(.graph, method: "GET", route: "/users/delta", kind: .answer(body: #"{"value":[],"@odata.nextLink":"https://elsewhere.example/users"}"#)))
            let result = try await tenant.engine.start(
                tenant.graph, id: "r", input: tenant.input, options: RunOptions(maxIdleWait: .zero))
            let sync = try #require(result.task("first-directory-sync"))
            #expect(sync.state == .failed)
            #expect(sync.lastError?.code == "invalidResponse")
            #expect(sync.lastError?.message.contains("elsewhere.example") == true)
            #expect(result.task("inbound-connector")?.state == .succeeded, "the rest of the onboarding went on")
        }
    }
}
