import EssentialsOnboarding
import EssentialsOnboardingTesting
import Foundation
import OnboardingEngine
import Testing
import TenantSimulator

@Suite("Exchange paging", .timeLimit(.minutes(2)))
struct ExchangePagingTests {
    @Test func getCmdletsFollowNextLinksAcrossPages() async throws {
        var configuration = SimulatorConfiguration()
        configuration.exchangePageSize = 1
        try await SimulatedTenant.with(configuration) { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph)
            // The onboarding itself (its Get-* calls page too) up to the manual steps.
            let parked = try await tenant.engine.start(
                tenant.graph, id: "r", input: tenant.input, options: RunOptions(maxIdleWait: .seconds(1)))
            #expect(parked.task("bypass-spam-rule")?.state == .succeeded)
            for name in ["Second", "Third"] {
                _ = try await tenant.services.exchange.invoke(
                    "New-InboundConnector",
                    ["Name": .string(name), "ConnectorType": "Partner", "SenderDomains": ["*"],
                     "SenderIPAddresses": ["67.231.144.0/24"], "RestrictDomainsToIPAddresses": true])
            }
            let before = tenant.simulator.requestCount(.exchange, "POST", "Get-InboundConnector")
            let all = try await tenant.services.exchange.invoke("Get-InboundConnector")
            #expect(all.compactMap { $0["Name"]?.string }.sorted() == ["Proofpoint Essentials Inbound", "Second", "Third"])
            #expect(tenant.simulator.requestCount(.exchange, "POST", "Get-InboundConnector") - before == 3, "one page each")
        }
    }
}
