import EssentialsOnboarding
import EssentialsOnboardingTesting
import Foundation
import OnboardingEngine
import OnboardingEngineTesting
import Testing
import TenantSimulator

@Suite("Permissions: declared, enforced, and every listed one used", .timeLimit(.minutes(3)))
struct PermissionTests {
    @Test func everyPermissionTheGuideListsIsNeededBySomeTask() async throws {
        try await SimulatedTenant.with { tenant in
            let table = EssentialsWorkflow.permissionTable(tenant.graph)
            for (permission, _) in GuidePermissions.listed {
                let row = try #require(table.first { $0.permission == permission })
                #expect(!row.tasks.isEmpty, "the guide lists \(permission) but no task declares it")
                #expect(row.reason != nil)
            }
            #expect(table.first { $0.permission == GuidePermissions.exchangeManageAsApp }?.tasks.contains("inbound-connector") == true)
            #expect(table.first { $0.permission == GuidePermissions.domainReadAll }?.tasks == ["import-domains"])
        }
    }

    /// After a full onboarding, each task runs again on its own with consent for only the Graph
    /// permissions it declares (its dependencies replaced by their recorded outputs). The simulator
    /// answers 403 to any call needing more, which would leave the task blocked or failed.
    @Test func everyTaskWorksWithOnlyTheGraphPermissionsItDeclares() async throws {
        try await SimulatedTenant.with { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph)
            _ = try await tenant.engine.start(tenant.graph, id: "full", input: tenant.input, options: RunOptions(maxIdleWait: .zero))
            try await tenant.playTheAdmin(run: "full")
            #expect(try await tenant.engine.resume("full", graph: tenant.graph).state == .succeeded)
            let outputs = Dictionary(
                uniqueKeysWithValues: try tenant.journal.journal.tasks(of: "full").map { ($0.id, $0.output ?? []) })

            let tasks = EssentialsWorkflow.tasks(services: tenant.services, configuration: SimulatedTenant.configuration)
            for task in tasks where task.id != "admin-consent" {  // admin consent checks for every permission by design
                let declared = GraphPermission.allGraph.filter { task.requiredPermissions.contains(Permission($0.name)) }
                try tenant.simulator.revokeConsent(GraphPermission.allGraph)
                try tenant.simulator.grantConsent(declared)
                tenant.services.identity.invalidate()

                let stubs = task.dependencies.map { dependency in
                    ClosureTask(id: dependency, output: RecordedOutput.self) { _ in RecordedOutput(bytes: outputs[dependency] ?? []) }
                }
                let graph = try TaskGraph(workflow: "audit", tasks: stubs + [task])
                let result = try await tenant.engine.start(
                    graph, id: RunID("audit-\(task.id)"), input: tenant.input, options: RunOptions(maxIdleWait: .zero))
                let record = try #require(result.task(task.id))
                #expect(
                    record.state == .succeeded || record.park?.kind == .person || record.park?.kind == .condition,
                    "\(task.id) with only \(declared.map(\.name)): \(record.state) \(record.park?.message ?? record.lastError?.message ?? "")")
            }
        }
    }

    @Test func aMissingPermissionBlocksTheRunUntilGrantedAndResumed() async throws {
        try await SimulatedTenant.with { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph)
            _ = try await tenant.engine.start(tenant.graph, id: "r", input: tenant.input, options: RunOptions(maxIdleWait: .zero))
            try await tenant.playTheAdmin(run: "r")
            // An admin removes Domain.Read.All after consent; the domain step is run again.
            try tenant.simulator.revokeConsent([.domainReadAll])
            tenant.services.identity.invalidate()
            try await tenant.engine.retry(from: "import-domains", in: "r", actor: "support", reason: "re-import")
            let blocked = try await tenant.engine.resume("r", graph: tenant.graph, options: ResumeOptions(maxIdleWait: .zero))
            #expect(blocked.state == .blocked)
            #expect(blocked.task("import-domains")?.park?.missingPermissions == [GuidePermissions.domainReadAll])
            #expect(blocked.task("import-domains")?.park?.message.contains("Domain.Read.All") == true)

            try tenant.simulator.grantConsent([.domainReadAll])
            tenant.services.identity.invalidate()
            let done = try await tenant.engine.resume("r", graph: tenant.graph, options: ResumeOptions(maxIdleWait: .seconds(5)))
            #expect(done.state == .succeeded, "\(done.tasks.map { "\($0.id): \($0.state)" })")
        }
    }
}

/// A dependency's output as journaled, replayed byte for byte.
struct RecordedOutput: Codable, Sendable {
    let bytes: [UInt8]
    init(bytes: [UInt8]) { self.bytes = bytes }
    init(from decoder: any Decoder) throws { bytes = [] }
    func encode(to encoder: any Encoder) throws {
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        try value.encode(to: encoder)
    }
}
