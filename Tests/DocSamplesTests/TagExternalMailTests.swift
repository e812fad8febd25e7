// Docs/WritingATask.md, "4. Test it", compiled and run.
import EssentialsOnboarding
import Foundation
import Logging
import OnboardingEngine
import OnboardingEngineTesting
import Testing
import TenantSimulator

@Test func tagExternalMailCreatesItsRuleOnce() async throws {
    try await Simulator.withRunning { simulator, endpoints in
        try simulator.grantConsent(GraphPermission.allGraph)          // the admin has consented
        let application = SimulatedApplication()                       // the simulator's made-up credentials
        let services = try OnboardingServices(
            endpoints: .simulator(at: URL(string: endpoints.base)!, dnsPort: endpoints.dnsPort),
            credentials: OnboardingCredentials(
                clientID: application.clientId, clientSecret: application.clientSecret,
                essentialsUser: "admin@msp.example", essentialsPassword: "essentials-password"),
            tenantID: try simulator.tenantId())
        let tasks = EssentialsWorkflow.tasks(services: services) + [TagExternalMail(exchange: services.exchange)]
        let graph = try TaskGraph(workflow: EssentialsWorkflow.name, tasks: tasks)
        let temporary = try TemporaryJournal()
        defer { temporary.remove() }
        let engine = Engine(journal: temporary.journal, logger: Logger(label: "test"))
        let input = OnboardingInput(tenantID: try simulator.tenantId(), essentialsOrg: "contoso.com")

        let first = try await engine.start(graph, id: "r", input: input, options: RunOptions(maxIdleWait: .zero))
        #expect(first.task("tag-external-mail")?.state == .succeeded)

        // Idempotency: running from the task again changes nothing.
        try await engine.retry(from: "tag-external-mail", in: "r", actor: "test")
        _ = try await engine.resume("r", graph: graph, options: ResumeOptions(maxIdleWait: .zero))
        let rules = simulator.snapshot().tenants[0].transportRules.filter { $0["Name"]?.stringValue == "Tag external mail" }
        #expect(rules.count == 1)
    }
}
