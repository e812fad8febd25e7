import EssentialsOnboarding
import EssentialsOnboardingTesting
import Foundation
import OnboardingEngine
import Testing
import TenantSimulator

@Suite("Observe says what would change; the remediation call moves mail", .timeLimit(.minutes(2)))
struct ObserveAndClientTests {
    @Test func aPlanBeforeOnboardingListsTheChangesAndAfterItFindsNothingToDo() async throws {
        try await SimulatedTenant.with { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph)
            let before = try await tenant.engine.plan(tenant.graph, input: tenant.input)
            func observation(_ plan: Plan, _ id: TaskID) -> Observation? { plan.entries.first { $0.id == id }?.observation }
            #expect(observation(before, "feature-entitlement") == .satisfied)
            #expect(observation(before, "import-domains")?.changes.sorted() == [
                "add domain mail.contoso.com to Essentials (relay off)"
            ])  // the org's primary domain is there already; contoso.onmicrosoft.com is Microsoft's
            #expect(observation(before, "directory-sync-schedule")?.changes == ["set directory sync every 12 h"])
            // Before the app holds its Exchange roles, Exchange cannot be read: the plan says so.
            #expect(observation(before, "inbound-connector")?.status == .unknown)
            #expect(observation(before, "inbound-connector")?.note?.contains("Exchange Online does not accept the application yet") == true)
            #expect(tenant.simulator.snapshot().tenants[0].inboundConnectors.isEmpty, "a plan changes nothing")

            tenant.updateSPF()
            _ = try await tenant.engine.start(tenant.graph, id: "r", input: tenant.input, options: RunOptions(maxIdleWait: .seconds(3)))
            try await tenant.enableRelay(run: "r")
            #expect(try await tenant.engine.resume("r", graph: tenant.graph).state == .succeeded)

            let after = try await tenant.engine.plan(tenant.graph, input: tenant.input)
            for id: TaskID in [
                "import-domains", "inbound-connector", "outbound-connector", "bypass-spam-rule", "enable-outbound-connector",
                "directory-sync-schedule", "first-directory-sync",
            ] {
                #expect(observation(after, id) == .satisfied, "\(id): \(String(describing: observation(after, id)))")
            }
        }
    }

    @Test func movingAMessageGivesItANewID() async throws {
        try await SimulatedTenant.with { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph)
            let user = try tenant.simulator.seededUserId(0)
            let original = try tenant.simulator.addMessage(userId: user, subject: "invoice")
            let moved = try await tenant.services.graph.moveMessage(user: user, message: original, destination: "quarantine")
            #expect(moved.id != original)
            #expect(moved.subject == "invoice")

            try tenant.simulator.revokeConsent([.mailReadWrite])
            tenant.services.identity.invalidate()
            let refused = await #expect(throws: ServiceError.self) {
                try await tenant.services.graph.moveMessage(user: user, message: moved.id, destination: "inbox")
            }
            #expect(refused?.code == .forbidden)
            #expect(refused?.interruption(needing: GuidePermissions.mailReadWrite).kind == .blocked(missing: [GuidePermissions.mailReadWrite]))
        }
    }
}
