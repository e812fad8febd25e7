// Docs/WritingATask.md, "Exchange objects", compiled and run.
import EssentialsOnboarding
import Foundation
import Logging
import OnboardingEngine
import OnboardingEngineTesting
import Testing
import TenantSimulator

/// Keeps a transport rule that tags mail from outside the organization, whatever an admin changed.
struct TagExternalMailRule: OnboardingTask {
    let services: OnboardingServices
    var id: TaskID { "tag-external-mail-rule" }
    var dependencies: [TaskID] { [ExchangeAppRole.key.id, ExchangeAdministratorRole.key.id] }
    var requiredPermissions: Set<Permission> { ["Exchange.ManageAsApp"] }

    var rule: ExchangeObject {
        ExchangeObject(
            services: services, noun: "TransportRule", name: "Tag external mail",
            created: ["FromScope": "NotInOrganization", "PrependSubject": "[External] "],
            corrected: ["PrependSubject": "[External] "])
    }

    func run(_ context: TaskContext) async throws -> NoOutput {
        try await rule.ensure()   // creates it, or corrects what drifted; never fails on "already exists"
        return NoOutput()
    }

    func observe(_ context: TaskContext) async throws -> Observation {
        let changes = try await rule.plannedChanges()
        return changes.isEmpty ? .satisfied : .wouldChange(changes)
    }
}

@Test func anExchangeObjectIsCreatedOnceAndItsDriftCorrected() async throws {
    try await Simulator.withRunning(logger: Logger(label: "sim", factory: { _ in SwiftLogNoOpLogHandler() })) {
        simulator, endpoints in
        try simulator.grantConsent(GraphPermission.allGraph)
        let application = SimulatedApplication()
        let services = try OnboardingServices(
            endpoints: .simulator(at: URL(string: endpoints.base)!, dnsPort: endpoints.dnsPort),
            credentials: OnboardingCredentials(
                clientID: application.clientId, clientSecret: application.clientSecret,
                essentialsUser: "admin@msp.example", essentialsPassword: "essentials-password"),
            tenantID: try simulator.tenantId())
        let task = TagExternalMailRule(services: services)
        let graph = try TaskGraph(workflow: EssentialsWorkflow.name, tasks: EssentialsWorkflow.tasks(services: services) + [task])
        let temporary = try TemporaryJournal()
        defer { temporary.remove() }
        let engine = Engine(journal: temporary.journal, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let input = OnboardingInput(tenantID: try simulator.tenantId(), essentialsOrg: "contoso.com")
        let first = try await engine.start(graph, id: "r", input: input, options: RunOptions(maxIdleWait: .zero))
        #expect(first.task(task.id)?.state == .succeeded)
        #expect(try await task.rule.plannedChanges().isEmpty)

        // An admin edits the rule by hand; the task's observe sees it, and running it again puts it back.
        _ = try await services.exchange.invoke(
            "Set-TransportRule", ["Identity": "Tag external mail", "PrependSubject": "[EXT] "])
        #expect(try await task.rule.plannedChanges() == ["correct TransportRule 'Tag external mail': PrependSubject"])
        try await engine.retry(from: task.id, in: "r", actor: "test")
        _ = try await engine.resume("r", graph: graph, options: ResumeOptions(maxIdleWait: .zero))
        let rules = simulator.snapshot().tenants[0].transportRules.filter { $0["Name"]?.stringValue == "Tag external mail" }
        #expect(rules.count == 1)
        #expect(rules.first?["PrependSubject"]?.stringValue == "[External] ")
    }
}
