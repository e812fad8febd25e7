import EssentialsOnboarding
import Foundation
import OnboardingEngine
import Testing
import TenantSimulator

@Suite("Drift: what an admin changed after onboarding, found and corrected", .timeLimit(.minutes(2)))
struct DriftTests {
    @Test func aDisabledConnectorAndADeletedRuleAreReportedThenCorrected() async throws {
        try await SimulatedTenant.with { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph)
            _ = try await tenant.engine.start(tenant.graph, id: "r", input: tenant.input, options: RunOptions(maxIdleWait: .zero))
            try await tenant.playTheAdmin(run: "r")
            let done = try await tenant.engine.resume("r", graph: tenant.graph, options: ResumeOptions(maxIdleWait: .seconds(5)))
            #expect(done.state == .succeeded)
            #expect(try await tenant.engine.drift(tenant.graph, run: "r").drifted.isEmpty, "a fresh onboarding has no drift")

            // An admin turns the outbound connector off and deletes the bypass rule.
            let configuration = SimulatedTenant.configuration
            _ = try await tenant.services.exchange.invoke(
                "Set-OutboundConnector", ["Identity": .string(configuration.outboundConnectorName), "Enabled": false])
            _ = try await tenant.services.exchange.invoke("Remove-TransportRule", ["Identity": .string(configuration.bypassRuleName)])
            let drift = try await tenant.engine.drift(tenant.graph, run: "r")
            #expect(Set(drift.drifted.map(\.id)) == ["bypass-spam-rule", "enable-outbound-connector"], "\(drift.drifted.map(\.id))")
            #expect(tenant.simulator.snapshot().tenants[0].transportRules.isEmpty, "drift only looks")

            // The correction is a journaled re-run of what drifted.
            for entry in drift.drifted { try await tenant.engine.retry(from: entry.id, in: "r", actor: "support", reason: "drift") }
            let fixed = try await tenant.engine.resume("r", graph: tenant.graph, options: ResumeOptions(maxIdleWait: .seconds(5)))
            #expect(fixed.state == .succeeded)
            #expect(try await tenant.engine.drift(tenant.graph, run: "r").drifted.isEmpty)
            let microsoft = tenant.simulator.snapshot().tenants[0]
            #expect(microsoft.transportRules.count == 1)
            #expect(microsoft.outboundConnectors.first?["Enabled"]?.boolValue == true)
        }
    }
}
