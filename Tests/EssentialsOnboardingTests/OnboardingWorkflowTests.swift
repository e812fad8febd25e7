import EssentialsOnboarding
import EssentialsOnboardingTesting
import Foundation
import OnboardingEngine
import Testing
import TenantSimulator

@Suite("The integration guide's onboarding against the simulator", .timeLimit(.minutes(2)))
struct OnboardingWorkflowTests {
    @Test func aSeededTenantIsOnboardedEndToEnd() async throws {
        try await SimulatedTenant.with { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph)
            let parked = try await tenant.engine.start(
                tenant.graph, id: "contoso", input: tenant.input, options: RunOptions(maxIdleWait: .zero))
            #expect(parked.state == .waiting, "\(parked.tasks.map { "\($0.id): \($0.state) \($0.lastError?.message ?? "")" })")
            #expect(parked.task("enable-relay")?.park?.kind == .person)
            #expect(parked.task("spf-check")?.park?.kind == .condition)
            #expect(parked.task("enable-outbound-connector")?.state == .pending)

            var snapshot = tenant.simulator.snapshot()
            let microsoft = try #require(snapshot.tenants.first)
            #expect(microsoft.inboundConnectors.count == 1)
            #expect(microsoft.outboundConnectors.count == 1)
            #expect(microsoft.outboundConnectors.first?["Enabled"]?.boolValue == false)
            #expect(microsoft.transportRules.count == 1)
            let essentials = try #require(snapshot.essentialsOrganizations.first { $0.domain == "contoso.com" })
            let imported = essentials.domains.compactMap { $0["name"]?.stringValue }.sorted()
            #expect(imported == ["contoso.com", "mail.contoso.com"], "not contoso.onmicrosoft.com, whose DNS Microsoft owns")
            #expect(essentials.domains.allSatisfy { $0["is_relay"]?.boolValue == false })
            #expect(essentials.azureSettings["first_sync_done"]?.boolValue == true)
            #expect(essentials.azureSettings["sync_frequency_hours"] == .integer(12) || essentials.azureSettings["sync_frequency_hours"] == .number(12))
            let synced = try #require(try parked.output(of: FirstDirectorySyncProbe()))
            #expect(synced.users == microsoft.userCount)
            #expect(synced.groups == microsoft.groupCount)
            #expect(synced.deltaLink != nil)

            try await tenant.playTheAdmin(run: "contoso")
            let done = try await tenant.engine.resume("contoso", graph: tenant.graph, options: ResumeOptions(maxIdleWait: .seconds(5)))
            #expect(done.state == .succeeded, "\(done.tasks.map { "\($0.id): \($0.state) \($0.lastError?.message ?? "")" })")
            snapshot = tenant.simulator.snapshot()
            #expect(snapshot.tenants[0].outboundConnectors.first?["Enabled"]?.boolValue == true)

            // Running everything again changes nothing: still one of each.
            try await tenant.engine.retry(from: "feature-entitlement", in: "contoso", actor: "test", reason: "idempotency")
            #expect(try await tenant.engine.resume("contoso", graph: tenant.graph).state == .succeeded)
            snapshot = tenant.simulator.snapshot()
            #expect(snapshot.tenants[0].inboundConnectors.count == 1)
            #expect(snapshot.tenants[0].outboundConnectors.count == 1)
            #expect(snapshot.tenants[0].transportRules.count == 1)
            #expect(tenant.simulator.requestCount(.exchange, "POST", "New-InboundConnector") == 1)
        }
    }
}

/// Reads the sync task's output type by id (the task itself needs services to build).
struct FirstDirectorySyncProbe: OnboardingTask {
    var id: TaskID { "first-directory-sync" }
    func run(_ context: TaskContext) async throws -> FirstDirectorySync.Output { fatalError("never run") }
}
