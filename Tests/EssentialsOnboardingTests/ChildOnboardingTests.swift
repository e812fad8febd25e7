import EssentialsOnboarding
import EssentialsOnboardingTesting
import Foundation
import Logging
import OnboardingEngine
import OnboardingEngineTesting
import TenantSimulator
import Testing

@Suite("One run per child organization", .timeLimit(.minutes(2)))
struct ChildOnboardingTests {
    @Test func aParentFansOutOneRunPerChildOnceAndEachReachesItsOwnTenant() async throws {
        try await SimulatedTenant.with(.partner(customers: ["contoso", "fabrikam"])) { tenant in
            let (simulator, engine, journal) = (tenant.simulator, tenant.engine, tenant.journal)
            let endpoints = tenant.serviceEndpoints
            @Sendable func graph(tenant: String) throws -> TaskGraph { try SimulatedTenant.graph(endpoints, tenantID: tenant) }
            let parentInput = OnboardingInput(
                tenantID: try simulator.tenantId("msp"), essentialsOrg: "msp.example", isParentOrg: true)
            let parent = try await engine.start(
                try graph(tenant: parentInput.tenantID), id: "msp", input: parentInput,
                options: RunOptions(maxIdleWait: .zero))
            #expect(parent.state == .waiting, "the partner's own admin has not consented")
            #expect(try parent.output(of: ChildOrganizationsProbe())?.children == ["contoso.com", "fabrikam.com"])
            let partner = try #require(simulator.snapshot().essentialsOrganizations.first { $0.domain == "msp.example" })
            #expect(partner.integrationSettings["allow_customers_to_use_integrations"]?.boolValue == true)

            let prepare: @Sendable (ChildOnboarding.Child) throws -> (graph: TaskGraph, input: OnboardingInput) = {
                (try graph(tenant: $0.input.tenantID), $0.input)
            }
            let first = try await ChildOnboarding.onboardChildren(
                of: parent, input: parentInput, engine: engine, options: RunOptions(maxIdleWait: .zero), prepare: prepare)
            #expect(first.map(\.child.runID) == ["msp/contoso.com", "msp/fabrikam.com"])
            for outcome in first {
                let result = try outcome.result.get()
                #expect(result.state == .waiting, "each child waits for its own admin's consent")
                #expect(result.task("admin-consent")?.park?.message.contains(outcome.child.organization) == true)
                #expect(outcome.child.input.essentialsOrg == outcome.child.organization)
                #expect(outcome.child.input.isParentOrg == false)
            }
            #expect(try journal.journal.runs().count == 3)

            // Fabrikam's admin consents; fanning out again resumes both children, starts none.
            try simulator.grantConsent(GraphPermission.allGraph, tenantId: "fabrikam.com")
            let again = try await ChildOnboarding.onboardChildren(
                of: parent, input: parentInput, engine: engine, options: RunOptions(maxIdleWait: .zero), prepare: prepare)
            #expect(try journal.journal.runs().count == 3)
            let fabrikam = try #require(try again.last?.result.get())
            #expect(fabrikam.task("import-domains")?.state == .succeeded, "\(fabrikam.tasks.map { "\($0.id): \($0.state) \($0.lastError?.message ?? "")" })")
            #expect(try again.first?.result.get().task("admin-consent")?.state == .waiting)
            let imported = try #require(simulator.snapshot().essentialsOrganizations.first { $0.domain == "fabrikam.com" })
            let names: [String] = imported.domains.compactMap { $0["name"]?.stringValue }
            #expect(names.contains("mail.fabrikam.com"), "fabrikam's own tenant")
            let msp = try #require(simulator.snapshot().essentialsOrganizations.first { $0.domain == "msp.example" })
            #expect(msp.domains.count == 1, "the partner's run has not imported anything")
            let child = try #require(again.last?.child)
            #expect(try ChildOnboarding.children(of: fabrikam, input: child.input).isEmpty, "a child has no children")
        }
    }
}

/// Reads the child-organizations task's output type by id.
struct ChildOrganizationsProbe: OnboardingTask {
    var id: TaskID { "child-organizations" }
    func run(_ context: TaskContext) async throws -> ChildOrganizations.Output { fatalError("never run") }
}
