import EssentialsOnboarding
import EssentialsOnboardingTesting
import Foundation
import OnboardingEngine
import Testing
import TenantSimulator

/// Locking inbound mail to Essentials, staged as the field does it: never while a domain's MX
/// points elsewhere, an audit period first, then a person's go-ahead.
@Suite("Inbound lockdown: gated on MX, audited, then enforced", .timeLimit(.minutes(2)))
struct LockdownTests {
    static let essentialsMX = ["mx1-us1.ppe-hosted.com", "mx2-us1.ppe-hosted.com"]
    static let configuration = SimulatedTenant.lockdownConfiguration

    /// Runs until the engine parks, with no idle wait.
    static func resume(_ tenant: SimulatedTenant) async throws -> RunResult {
        try await tenant.engine.resume("r", graph: tenant.graph, options: ResumeOptions(maxIdleWait: .seconds(2)))
    }

    static func connector(_ tenant: SimulatedTenant) -> SimulatorJSON {
        tenant.simulator.snapshot().tenants[0].inboundConnectors.first ?? .null
    }

    static func auditRule(_ tenant: SimulatedTenant) -> SimulatorJSON? {
        tenant.simulator.snapshot().tenants[0].transportRules.first {
            $0["Name"]?.stringValue == configuration.lockdownAuditRuleName
        }
    }

    @Test func theLockdownWaitsForEveryMXThenAuditsThenEnforcesOnlyAfterAPersonConfirms() async throws {
        try await SimulatedTenant.with(configuration: Self.configuration) { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph)
            _ = try await tenant.engine.start(tenant.graph, id: "r", input: tenant.input, options: RunOptions(maxIdleWait: .zero))
            try await tenant.playTheAdmin(run: "r")

            // MX still at Microsoft: the run waits on DNS, names both domains, locks nothing.
            var result = try await Self.resume(tenant)
            let waiting = try #require(result.task("mx-check"))
            #expect(waiting.state == .waiting && waiting.park?.kind == .condition)
            let message = waiting.park?.message ?? ""
            #expect(message.contains("contoso.com: its MX names contoso-com.mail.protection.outlook.com"), "\(message)")
            #expect(message.contains("mail.contoso.com"), "\(message)")
            #expect(message.contains("mx1-us1.ppe-hosted.com and mx2-us1.ppe-hosted.com"), "\(message)")
            #expect(result.task("enable-outbound-connector")?.state == .succeeded, "outbound does not wait for inbound")
            #expect(Self.connector(tenant)["RestrictDomainsToIPAddresses"]?.boolValue == false)
            #expect(Self.auditRule(tenant) == nil, "no audit before mail arrives through Essentials")

            // One domain moved, and one MX record of the other: still waiting, on that one only.
            tenant.simulator.setMXRecords(Self.essentialsMX, for: "contoso.com")
            tenant.simulator.setMXRecords(["mx1-us1.ppe-hosted.com", "mail-contoso-com.mail.protection.outlook.com"], for: "mail.contoso.com")
            result = try await Self.resume(tenant)
            let still = result.task("mx-check")?.park?.message ?? ""
            #expect(result.task("mx-check")?.state == .waiting)
            #expect(still.contains("mail.contoso.com: its MX names mail-contoso-com.mail.protection.outlook.com"), "\(still)")
            #expect(!still.contains(" contoso.com:"), "\(still)")

            // Every MX at Essentials: the audit rule stamps what bypasses Essentials, and a person decides.
            tenant.simulator.setMXRecords(Self.essentialsMX, for: "mail.contoso.com")
            result = try await Self.resume(tenant)
            let lockdown = try #require(result.task("inbound-lockdown"))
            #expect(lockdown.state == .waiting && lockdown.park?.kind == .person, "\(lockdown.park?.message ?? "")")
            #expect(lockdown.park?.message.contains(Self.configuration.lockdownAuditHeaderName) == true)
            let rule = try #require(Self.auditRule(tenant))
            #expect(rule["FromScope"]?.stringValue == "NotInOrganization")
            #expect(rule["SetHeaderName"]?.stringValue == Self.configuration.lockdownAuditHeaderName)
            #expect(rule["ExceptIfSenderIpRanges"]?.arrayValue?.count == Self.configuration.senderIPRanges.count)
            #expect(rule["State"]?.stringValue == "Enabled")
            #expect(Self.connector(tenant)["RestrictDomainsToIPAddresses"]?.boolValue == false, "not before the go-ahead")
            #expect(try await tenant.engine.resume("r", graph: tenant.graph).task("inbound-lockdown")?.state == .waiting)

            // The go-ahead: enforced.
            try await tenant.engine.confirm("inbound-lockdown", in: "r", actor: "admin", note: "audit clean for a week")
            result = try await Self.resume(tenant)
            #expect(result.state == .succeeded, "\(result.tasks.filter { $0.state != .succeeded }.map { "\($0.id) \($0.park?.message ?? "")" })")
            #expect(Self.connector(tenant)["RestrictDomainsToIPAddresses"]?.boolValue == true)
            #expect(Self.auditRule(tenant) != nil, "the audit rule stays")
            #expect(try await tenant.engine.drift(tenant.graph, run: "r").drifted.isEmpty, "a locked tenant has no drift")
        }
    }

    @Test func thePublicTestHelperFinishesALockdownRunPlayingEveryPersonsStep() async throws {
        try await SimulatedTenant.with(configuration: Self.configuration) { tenant in
            let result = try await tenant.onboard()  // consent, relay, SPF, MX, the go-ahead: each as the run waits for it
            #expect(result.state == .succeeded, "\(result.tasks.filter { $0.state != .succeeded }.map { "\($0.id) \($0.park?.message ?? "")" })")
            #expect(result.task("inbound-lockdown")?.confirmation != nil)
            #expect(Self.connector(tenant)["RestrictDomainsToIPAddresses"]?.boolValue == true)
        }
    }

    @Test func theLockdownNeverEnforcesWhileAnyMXPointsElsewhere() async throws {
        try await SimulatedTenant.with(configuration: Self.configuration) { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph)
            for domain in SimulatedTenant.importedDomains { tenant.simulator.setMXRecords(Self.essentialsMX, for: domain) }
            _ = try await tenant.engine.start(tenant.graph, id: "r", input: tenant.input, options: RunOptions(maxIdleWait: .zero))
            try await tenant.playTheAdmin(run: "r")
            var result = try await Self.resume(tenant)
            #expect(result.task("inbound-lockdown")?.park?.kind == .person)

            // During the audit period the customer moves one domain's MX back to Microsoft; the go-ahead comes anyway.
            tenant.simulator.setMXRecords(["mail-contoso-com.mail.protection.outlook.com"], for: "mail.contoso.com")
            try await tenant.engine.confirm("inbound-lockdown", in: "r", actor: "admin")
            result = try await Self.resume(tenant)
            let held = try #require(result.task("inbound-lockdown"))
            #expect(held.state == .waiting && held.park?.kind == .condition, "\(held.park?.message ?? "")")
            #expect(held.park?.message.contains("mail.contoso.com") == true)
            #expect(Self.connector(tenant)["RestrictDomainsToIPAddresses"]?.boolValue == false, "no lock while mail arrives at Microsoft")

            // MX back at Essentials: it completes (asking again if the go-ahead was used up).
            tenant.simulator.setMXRecords(Self.essentialsMX, for: "mail.contoso.com")
            result = try await Self.resume(tenant)
            if result.task("inbound-lockdown")?.park?.kind == .person {
                try await tenant.engine.confirm("inbound-lockdown", in: "r", actor: "admin")
                result = try await Self.resume(tenant)
            }
            #expect(result.state == .succeeded)
            #expect(Self.connector(tenant)["RestrictDomainsToIPAddresses"]?.boolValue == true)

            // Later an admin points MX back at Microsoft: that is drift, and the fix lifts the lock
            // (it now rejects that domain's mail) rather than wait for anyone.
            tenant.simulator.setMXRecords(["contoso-com.mail.protection.outlook.com"], for: "contoso.com")
            let drift = try await tenant.engine.drift(tenant.graph, run: "r")
            #expect(Set(drift.drifted.map(\.id)).isSuperset(of: ["inbound-connector", "mx-check"]), "\(drift.drifted.map(\.id))")
            let lift = drift.drifted.first { $0.id == "inbound-connector" }?.observation?.changes ?? []
            #expect(lift.contains { $0.contains("lift the IP restriction") && $0.contains("contoso.com") }, "\(lift)")
            try await tenant.engine.retry(from: "inbound-connector", in: "r", actor: "support", reason: "drift")
            _ = try await Self.resume(tenant)
            #expect(Self.connector(tenant)["RestrictDomainsToIPAddresses"]?.boolValue == false)
        }
    }

    @Test func aTenantWithOnlyItsOnMicrosoftDomainCompletesWithNoDNSWaitAndNoLock() async throws {
        var seed = SimulatorConfiguration.default
        seed.tenants[0].domains = [SimulatedDomain(name: "contoso.onmicrosoft.com", isDefault: true, isInitial: true)]
        try await SimulatedTenant.with(seed, configuration: Self.configuration) { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph)
            let result = try await tenant.engine.start(
                tenant.graph, id: "r", input: tenant.input, options: RunOptions(maxIdleWait: .seconds(5)))
            #expect(result.state == .succeeded, "\(result.tasks.filter { $0.state != .succeeded }.map { "\($0.id) \($0.park?.message ?? "")" })")
            let counts = tenant.simulator.snapshot().routeCounts
            #expect((counts["dns QUERY TXT"] ?? 0) == 0 && (counts["dns QUERY MX"] ?? 0) == 0, "\(counts)")
            #expect(Self.connector(tenant)["RestrictDomainsToIPAddresses"]?.boolValue == false, "locking would reject all its mail")
            #expect(Self.auditRule(tenant) == nil)
        }
    }

    @Test func mxRecordsAreReadThroughTheSystemResolverByPreference() async throws {
        try await SimulatedTenant.with { tenant async throws in
            #expect(try await tenant.services.dns.mxRecords("contoso.com") == ["contoso-com.mail.protection.outlook.com"])
            tenant.simulator.setMXRecords(["MX2-us1.ppe-hosted.com.", "mx1-us1.ppe-hosted.com"], for: "contoso.com")
            #expect(try await tenant.services.dns.mxRecords("Contoso.com") == ["mx2-us1.ppe-hosted.com", "mx1-us1.ppe-hosted.com"])
            #expect(try await tenant.services.dns.mxRecords("nowhere.example").isEmpty)
            #expect(try await tenant.services.dns.txtRecords("contoso.com").count == 1, "TXT still answered beside MX")
            #expect(tenant.simulator.snapshot().routeCounts["dns QUERY MX"] == 3)
        }
    }

    @Test func turnedOffTheWorkflowHasNoLockdownTasks() throws {
        var configuration = Self.configuration
        configuration.inboundLockdown = false
        let services = try SimulatedTenant.services(
            ServiceEndpoints.simulator(at: URL(string: "http://127.0.0.1:1")!, dnsPort: 1), tenantID: "t")
        let ids = Set(EssentialsWorkflow.tasks(services: services, configuration: configuration).map(\.id))
        #expect(ids.isDisjoint(with: ["mx-check", "lockdown-audit", "inbound-lockdown"]))
        let on = Set(EssentialsWorkflow.tasks(services: services, configuration: Self.configuration).map(\.id))
        #expect(on.isSuperset(of: ["mx-check", "lockdown-audit", "inbound-lockdown"]))
    }
}
