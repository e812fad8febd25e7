import Foundation
import Logging
import OnboardingEngineTesting
import TenantSimulator
import Testing

@Suite("onboard offboard, run as a process", .serialized, .timeLimit(.minutes(2)))
struct OffboardCommandTests {
    /// The demo tenant as its state file left it (seeded as `onboard demo` seeds it).
    static func demoTenant(_ journal: TestJournal, run: String) throws -> TenantSnapshot {
        var configuration = SimulatorConfiguration()
        configuration.tenants = [TenantSeed(name: "contoso", seed: 1, userCount: 25, groupCount: 4)]
        let path = journal.folder.appendingPathComponent("\(run).tenant.json").path
        return try Simulator(
            configuration: configuration, stateFile: path, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        ).snapshot().tenants[0]
    }

    @Test func aDemoRunIsPlannedWithoutChangeThenOffboardedToTheEnd() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let run = try await journal.demo(expecting: 0)
        let onboarded = try Self.demoTenant(journal, run: run)
        #expect(onboarded.inboundConnectors.first?["RestrictDomainsToIPAddresses"]?.boolValue == true)

        let plan = try await journal.run(["offboard", "--run", run])
        #expect(plan.status == 0, "\(plan.output)")
        #expect(plan.stdout.contains("~ lift-lockdown: would change"), "\(plan.stdout)")
        #expect(plan.stdout.contains("remove TransportRule 'Bypass Spam Filtering for Proofpoint Essentials'"))
        #expect(plan.stdout.contains("Nothing was changed"))
        #expect(try Self.demoTenant(journal, run: run) == onboarded, "a plan changes nothing in the tenant")
        let runs = try await jsonObject(try journal.run(["runs", "--json"]).stdout)["runs"] as? [[String: Any]]
        #expect(runs?.count == 1, "and journals no run")

        let applied = try await journal.run(["offboard", "--run", run, "--apply", "--remove-domains"])
        #expect(applied.status == 0, "\(applied.output)")
        #expect(applied.stdout.contains("👤 admin: pointing the MX of contoso.com, mail.contoso.com back at Microsoft"))
        #expect(applied.stdout.contains("Run offboard-\(run): succeeded"))
        let tenant = try Self.demoTenant(journal, run: run)
        #expect(tenant.inboundConnectors.isEmpty && tenant.outboundConnectors.isEmpty && tenant.transportRules.isEmpty)
        #expect(tenant.directoryRoleAssignments.isEmpty)
        let listing = try await jsonObject(try journal.run(["runs", "--json"]).stdout)
        let states = (listing["runs"] as? [[String: Any]] ?? []).map { "\($0["workflow"] ?? "") \($0["state"] ?? "")" }
        #expect(Set(states) == ["m365-essentials-onboarding succeeded", "m365-essentials-offboarding succeeded"], "\(states)")

        // Nothing of the onboarding is left to drift: the check says why instead of listing every object.
        let drift = try await journal.run(["drift", run])
        expectOneLineError(drift, status: 64, containing: "was taken off Essentials by run 'offboard-\(run)'")

        // Once is enough: a second --apply names the run to resume instead.
        let again = try await journal.run(["offboard", "--run", run, "--apply"])
        #expect(again.status != 0 && again.stderr.contains("already exists"), "\(again.output)")
        #expect(!again.output.contains("EngineError"))
    }

    @Test func applyingEndsAnOnboardingStillUnderWaySoItCannotRecreateWhatIsRemoved() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let run = try await journal.demo(["--admin-skips", "relay"], expecting: 3)
        let applied = try await journal.run(["offboard", "--run", run, "--apply"])
        #expect(applied.status == 0, "\(applied.output)")
        #expect(applied.stdout.contains("Cancelled the onboarding run \(run) (it was waiting)."), "\(applied.stdout)")
        await #expect(try journal.show(run)["state"] as? String == "cancelled")
    }

    @Test func aPlanOfAnOnboardedTenantMakesNoMutatingCall() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("offboard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let journal = folder.appendingPathComponent("journal.sqlite").path

        try await Simulator.withRunning(logger: Logger(label: "sim", factory: { _ in SwiftLogNoOpLogHandler() })) { simulator, endpoints in
            try simulator.grantConsent(GraphPermission.allGraph)
            for domain in ["contoso.com", "mail.contoso.com"] {
                simulator.setTXTRecords(["v=spf1 include:_spf-us.ppe-hosted.com -all"], for: domain)
                simulator.setMXRecords(["mx1-us1.ppe-hosted.com", "mx2-us1.ppe-hosted.com"], for: domain)
            }
            let target = ["--simulator", endpoints.base, "--dns-port", "\(endpoints.dnsPort!)"]
            let tenant = try simulator.tenantId()
            #expect(
                try await StartCommandTests.status(
                    ["start", "--journal", journal, "--tenant", tenant, "--org", "contoso.com", "--run", "r1", "--max-idle-seconds", "5"]
                        + target) == 3)
            try await ServeCommandTests.enableRelay(org: "contoso.com", domains: ["contoso.com", "mail.contoso.com"], endpoints: endpoints)
            #expect(try await StartCommandTests.status(["confirm", "r1", "enable-relay", "--journal", journal]) == 3)
            #expect(try await StartCommandTests.status(["confirm", "r1", "inbound-lockdown", "--journal", journal]) == 0)

            let before = simulator.requests().count
            let plan = ["offboard", "--journal", journal, "--tenant", tenant, "--org", "contoso.com"] + target
            #expect(try await StartCommandTests.status(plan) == 0)
            let calls = simulator.requests().dropFirst(before)
            #expect(calls.contains { $0.route == "Get-InboundConnector" }, "the plan read the tenant")
            let mutating = calls.filter { call in
                call.service != .identity && call.method != "GET" && !(call.service == .exchange && call.route.hasPrefix("Get-"))
            }
            #expect(mutating.isEmpty, "\(mutating.map { "\($0.service) \($0.method) \($0.route)" })")
            #expect(simulator.snapshot().tenants[0].inboundConnectors.first?["RestrictDomainsToIPAddresses"]?.boolValue == true)

            // Applied, it stops at the DNS change, which only the customer can make.
            #expect(try await StartCommandTests.status(plan + ["--apply", "--max-idle-seconds", "0"]) == 3)
            let microsoft = simulator.snapshot().tenants[0]
            #expect(microsoft.inboundConnectors.first?["RestrictDomainsToIPAddresses"]?.boolValue == false)
            #expect(microsoft.outboundConnectors.first?["Enabled"]?.boolValue == false)
            #expect(microsoft.transportRules.count == 2, "nothing removed while MX points at Essentials")
        }
    }
}
