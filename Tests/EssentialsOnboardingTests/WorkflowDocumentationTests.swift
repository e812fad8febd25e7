import AsyncHTTPClient
import EssentialsOnboarding
import Foundation
import OnboardingEngine
import Testing

@Suite("Docs/TheOnboardingWorkflow.md is generated from the code")
struct WorkflowDocumentationTests {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Docs/TheOnboardingWorkflow.md")

    @Test func theCommittedDocumentMatchesTheTasks() throws {
        let services = try OnboardingServices(
            endpoints: try .cloud(),
            credentials: OnboardingCredentials(clientID: "client", clientSecret: "-", essentialsUser: "-", essentialsPassword: "-"),
            tenantID: "tenant")
        let graph = try EssentialsWorkflow.graph(services: services)
        let generated = EssentialsWorkflow.documentation(graph)
        for descriptor in graph.descriptors {
            #expect(EssentialsWorkflow.summaries[descriptor.id] != nil, "\(descriptor.id) needs a summary")
        }
        if ProcessInfo.processInfo.environment["UPDATE_DOCS"] == "1" {
            try generated.write(to: Self.path, atomically: true, encoding: .utf8)
        }
        let committed = try String(contentsOf: Self.path, encoding: .utf8)
        #expect(committed == generated, "Docs/TheOnboardingWorkflow.md is stale: UPDATE_DOCS=1 swift test --filter WorkflowDocumentationTests")
    }

    @Test func driftAndOffboardingNamesEveryOffboardingAndLockdownTask() throws {
        let services = try OnboardingServices(
            endpoints: try .cloud(),
            credentials: OnboardingCredentials(clientID: "client", clientSecret: "-", essentialsUser: "-", essentialsPassword: "-"),
            tenantID: "tenant")
        let page = try String(
            contentsOf: Self.path.deletingLastPathComponent().appendingPathComponent("DriftAndOffboarding.md"), encoding: .utf8)
        let ids = EssentialsOffboarding.tasks(services: services).map(\.id.rawValue) + ["mx-check", "lockdown-audit", "inbound-lockdown"]
        for id in ids { #expect(page.contains("`\(id)`"), "Docs/DriftAndOffboarding.md does not name \(id)") }
    }
}
