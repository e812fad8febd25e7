import EssentialsOnboarding
import EssentialsOnboardingTesting
import Foundation
import OnboardingEngine
import OnboardingEngineTesting
import Testing
import TenantSimulator

#if canImport(Glibc)
import Glibc
#endif

/// Taking a tenant off Essentials in the order that never bounces mail, each step idempotent.
@Suite("Offboarding: in an order that never bounces mail", .timeLimit(.minutes(3)))
struct OffboardingTests {
    static let configuration = SimulatedTenant.lockdownConfiguration
    static let essentialsMX = ["mx1-us1.ppe-hosted.com", "mx2-us1.ppe-hosted.com"]

    /// Onboards the simulated tenant completely (lockdown included) as run "on".
    static func onboard(_ tenant: SimulatedTenant) async throws {
        try tenant.simulator.grantConsent(GraphPermission.allGraph)
        for domain in SimulatedTenant.importedDomains { tenant.simulator.setMXRecords(essentialsMX, for: domain) }
        _ = try await tenant.engine.start(tenant.graph, id: "on", input: tenant.input, options: RunOptions(maxIdleWait: .zero))
        try await tenant.playTheAdmin(run: "on")
        _ = try await tenant.engine.resume("on", graph: tenant.graph, options: ResumeOptions(maxIdleWait: .seconds(2)))
        try await tenant.engine.confirm("inbound-lockdown", in: "on", actor: "admin")
        let done = try await tenant.engine.resume("on", graph: tenant.graph, options: ResumeOptions(maxIdleWait: .seconds(2)))
        #expect(done.state == .succeeded, "\(done.tasks.filter { $0.state != .succeeded }.map(\.id))")
    }

    /// The customer's DNS change: MX back at Microsoft, Essentials out of SPF.
    static func restoreDNS(_ tenant: SimulatedTenant) {
        for domain in SimulatedTenant.importedDomains {
            tenant.simulator.setMXRecords([SimulatedDomain.microsoftMX(for: domain)], for: domain)
            tenant.simulator.setTXTRecords(["v=spf1 include:spf.protection.outlook.com -all"], for: domain)
        }
    }

    static func offboardingGraph(_ tenant: SimulatedTenant) throws -> TaskGraph {
        try EssentialsOffboarding.graph(services: tenant.services, configuration: configuration)
    }

    static var input: OffboardingInput {
        OffboardingInput(tenantID: "contoso.com", essentialsOrg: "contoso.com", removeEssentialsDomains: true, turnOffDirectorySync: true)
    }

    /// What of ours is left in the tenant and the org.
    static func leftovers(_ tenant: SimulatedTenant) -> [String] {
        let snapshot = tenant.simulator.snapshot()
        let microsoft = snapshot.tenants[0]
        var left: [String] = []
        left += microsoft.inboundConnectors.map { "inbound connector \($0["Name"]?.stringValue ?? "")" }
        left += microsoft.outboundConnectors.map { "outbound connector \($0["Name"]?.stringValue ?? "")" }
        left += microsoft.transportRules.map { "rule \($0["Name"]?.stringValue ?? "")" }
        left += microsoft.directoryRoleAssignments.map { "directory role \($0["roleDefinitionId"]?.stringValue ?? "")" }
        left += microsoft.appRoleAssignments.filter {
            $0["appRoleId"]?.stringValue == configuration.manageAsAppRoleID
        }.map { _ in "Exchange.ManageAsApp" }
        let org = snapshot.essentialsOrganization("contoso.com")
        left += (org?.domains ?? []).map { "Essentials domain \($0["name"]?.stringValue ?? "")" }
        if org?.azureSettings["enabled"]?.boolValue == true { left.append("directory sync on") }
        return left
    }

    @Test func anOnboardedTenantIsTakenOffLeavingNothingOfOursAndNothingBeforeItsTime() async throws {
        try await SimulatedTenant.with(configuration: Self.configuration) { tenant in
            try await Self.onboard(tenant)
            let graph = try Self.offboardingGraph(tenant)

            // A plan first: it says what would change, and calls nothing that changes anything.
            let before = tenant.simulator.requests().count
            let plan = try await tenant.engine.plan(graph, input: Self.input)
            let changes = plan.entries.flatMap { $0.observation?.changes ?? [] }
            #expect(changes.contains("lift the IP restriction of InboundConnector '\(Self.configuration.inboundConnectorName)'"), "\(changes)")
            #expect(changes.contains("remove TransportRule '\(Self.configuration.bypassRuleName)'"), "\(changes)")
            let calls = tenant.simulator.requests().dropFirst(before)
            let mutating = calls.filter { call in
                call.method != "GET" && !(call.service == .exchange && call.route.hasPrefix("Get-"))
                    && !(call.service == .identity)
            }
            #expect(mutating.isEmpty, "\(mutating.map { "\($0.service) \($0.method) \($0.route)" })")

            // Applied: lockdown lifted and outbound off at once; then it waits for the DNS change.
            var result = try await tenant.engine.start(graph, id: "off", input: Self.input, options: RunOptions(maxIdleWait: .zero))
            let waiting = try #require(result.task("mail-back-at-microsoft"))
            #expect(waiting.state == .waiting && waiting.park?.kind == .condition)
            #expect(waiting.park?.message.contains("contoso.com: its MX names mx1-us1.ppe-hosted.com") == true, "\(waiting.park?.message ?? "")")
            let microsoft = tenant.simulator.snapshot().tenants[0]
            #expect(microsoft.inboundConnectors.first?["RestrictDomainsToIPAddresses"]?.boolValue == false, "mail from anywhere again")
            #expect(microsoft.outboundConnectors.first?["Enabled"]?.boolValue == false)
            #expect(microsoft.inboundConnectors.count == 1 && microsoft.transportRules.count == 2, "nothing removed while MX points at Essentials")

            // The DNS change; then everything goes, and a person deletes the enterprise app.
            Self.restoreDNS(tenant)
            result = try await tenant.engine.resume("off", graph: graph, options: ResumeOptions(maxIdleWait: .seconds(2)))
            #expect(result.task("remove-enterprise-app")?.park?.kind == .person, "\(result.tasks.map { "\($0.id)=\($0.state)" })")
            #expect(result.task("remove-enterprise-app")?.park?.message.contains("entra.microsoft.com") == true)
            #expect(Self.leftovers(tenant).isEmpty, "\(Self.leftovers(tenant))")
            try await tenant.engine.confirm("remove-enterprise-app", in: "off", actor: "admin")
            result = try await tenant.engine.resume("off", graph: graph)
            #expect(result.state == .succeeded)
            // Resumed again from scratch (a new plan), nothing is left to do.
            let again = try await tenant.engine.plan(graph, input: Self.input)
            let left = again.entries.filter { $0.id != "remove-enterprise-app" }.flatMap { $0.observation?.changes ?? [] }
            #expect(left.isEmpty, "\(left)")
        }
    }

    @Test func withoutTheEssentialsChoicesTheOrgKeepsItsDomainsAndSync() async throws {
        try await SimulatedTenant.with(configuration: Self.configuration) { tenant in
            try await Self.onboard(tenant)
            Self.restoreDNS(tenant)
            let graph = try Self.offboardingGraph(tenant)
            let input = OffboardingInput(tenantID: "contoso.com", essentialsOrg: "contoso.com")
            _ = try await tenant.engine.start(graph, id: "off", input: input, options: RunOptions(maxIdleWait: .seconds(2)))
            #expect(Set(Self.leftovers(tenant)) == ["Essentials domain contoso.com", "Essentials domain mail.contoso.com", "directory sync on"])
        }
    }

    @Test func twentyRandomKillsThenResumeReachTheSameEndState() async throws {
        var generator = SystemRandomNumberGenerator()
        var killedMidRun = 0
        for trial in 0..<20 {
            try await SimulatedTenant.with(configuration: Self.configuration) { tenant in
                try await Self.onboard(tenant)
                Self.restoreDNS(tenant)
                // A little latency on every call stretches the run, so random kills land inside it.
                _ = tenant.simulator.inject(Fault(match: FaultMatch(), kind: .latency(.milliseconds(8)), trigger: .always))
                var process = WorkflowProcess(
                    journal: tenant.journal.path, endpoints: tenant.endpoints, tenantID: try tenant.simulator.tenantId())
                process.runID = "off"
                let first = try await process.launch("offboard-start")
                for _ in 0..<1000 where (try? tenant.journal.journal.run("off")) == nil {
                    try await Task.sleep(for: .milliseconds(5))
                }
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...120, using: &generator)))
                first.send(SIGKILL)
                if try await first.exitStatus() == 128 + SIGKILL { killedMidRun += 1 }

                var status = try await process.status("offboard-resume")
                if status == 4, (try? tenant.journal.journal.run("off")) == nil {
                    status = try await process.status("offboard-start")  // killed before the run was journaled
                }
                #expect(status == 3, "trial \(trial): the run waits for the enterprise app's removal (exit \(status))")
                #expect(Self.leftovers(tenant).isEmpty, "trial \(trial): \(Self.leftovers(tenant))")
                try await tenant.engine.confirm("remove-enterprise-app", in: "off", actor: "admin")
                #expect(try await process.status("offboard-resume") == 0, "trial \(trial)")
                let journal = tenant.journal.journal
                let successes = try journal.events(of: "off").filter { $0.action == "task.succeeded" }.compactMap(\.taskID)
                #expect(successes.count == Set(successes).count, "trial \(trial): a task recorded twice")
                #expect(Set(successes).count == 10, "trial \(trial)")
                #expect(try journal.integrityCheck() == ["ok"])
            }
        }
        #expect(killedMidRun >= 10, "most kills should land mid-run")
    }
}
