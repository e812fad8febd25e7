import EssentialsOnboarding
import Foundation
import Logging
import OnboardingEngine
import OnboardingEngineTesting
import OnboardingEnginePostgres
import PostgresNIO
import TenantSimulator
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Several worker hosts on one PostgreSQL journal, killed at random and cut off from the database
/// (every connection to it terminated by the server): every run is finished, and every tenant is
/// onboarded exactly once.
@Suite("Three onboard serve processes on one PostgreSQL journal, killed at random", .serialized, .timeLimit(.minutes(10)))
struct PostgresChaosTests {
    /// What `onboard start` journals for a run (the host's `M365Host.RunInput`), so the workers'
    /// registry rebuilds the same graph.
    struct HostInput: Encodable, Sendable {
        var tenantID: String
        var essentialsOrg: String
        var syncFrequencyHours = 24
        var consentRedirectURI = "https://localhost/consent"
        var consentState = ""
        var isParentOrg = false
        var login: String
        var graph: String
        var exchange: String
        var essentials: String
        var nameserver: String?

        init(tenantID: String, org: String, endpoints: ServiceEndpoints) {
            self.tenantID = tenantID
            essentialsOrg = org
            consentState = "chaos-\(tenantID)"
            login = endpoints.login.absoluteString
            graph = endpoints.graph.absoluteString
            exchange = endpoints.exchange.absoluteString
            essentials = endpoints.essentials.absoluteString
            nameserver = endpoints.nameserver
        }
    }

    static let runs = Int(ProcessInfo.processInfo.environment["ONBOARDING_CHAOS_RUNS"] ?? "") ?? 300
    static let essentialsMX = ["mx1-us1.ppe-hosted.com", "mx2-us1.ppe-hosted.com"]
    static let quiet = Logger(label: "chaos", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test(.enabled(if: TestPostgres.enabled, TestPostgres.skipNote))
    func threeWorkersKilledAtRandomFinishEveryRunAndOnboardEachTenantOnce() async throws {
        let count = Self.runs
        var seed = SimulatorConfiguration()
        seed.tenants = (0..<count).map { TenantSeed(name: "t\($0)", seed: UInt64($0), userCount: 2, groupCount: 1, membersPerGroup: 1) }
        seed.essentials.organizations = [EssentialsOrgSeed(domain: "msp.example", name: "MSP")]
            + (0..<count).map {
                EssentialsOrgSeed(domain: "t\($0).com", name: "T\($0)", parentDomain: "msp.example", features: ["m365_integration"])
            }
        try await TestPostgres.withJournal { journal in
            try await Simulator.withRunning(configuration: seed, logger: Self.quiet) { simulator, endpoints in
                let serviceEndpoints = ServiceEndpoints.simulator(at: URL(string: endpoints.base)!, dnsPort: endpoints.dnsPort)
                let postgres = try await PostgresJournal.open(try PostgresJournalConfiguration(url: journal.journal), logger: Self.quiet)
                let driver = Engine(
                    journal: postgres, configuration: EngineConfiguration(ownerID: "chaos-driver:1:x"), logger: Self.quiet)
                let application = SimulatedApplication()
                let credentials = OnboardingCredentials(
                    clientID: application.clientId, clientSecret: application.clientSecret,
                    essentialsUser: "admin@msp.example", essentialsPassword: "essentials-password")

                // Every tenant consented, its DNS ready; the runs queued for the workers.
                for index in 0..<count {
                    let tenantID = try simulator.tenantId("t\(index)")
                    try simulator.grantConsent(GraphPermission.allGraph, tenantId: tenantID)
                    for domain in ["t\(index).com", "mail.t\(index).com"] {
                        simulator.setTXTRecords(["v=spf1 include:_spf-us.ppe-hosted.com -all"], for: domain)
                        simulator.setMXRecords(Self.essentialsMX, for: domain)
                    }
                    let services = try OnboardingServices(endpoints: serviceEndpoints, credentials: credentials, tenantID: tenantID)
                    let graph = try EssentialsWorkflow.graph(services: services)
                    let input = HostInput(tenantID: tenantID, org: "t\(index).com", endpoints: serviceEndpoints)
                    #expect(try await driver.submit(graph, id: RunID("t\(index)"), input: input))
                }

                // Three workers; every second one of them is killed with SIGKILL and started again.
                let serving = ["--max-idle-seconds", "1", "--max-consecutive-crashes", "1000"]
                var workers: [CapturedProcess] = []
                for _ in 0..<3 { workers.append(try await ServeCommandTests.serve(journal.journal, serving)) }
                var generator = SystemRandomNumberGenerator()
                var kills = 0
                var relayDone: Set<String> = []
                var lockdownDone: Set<String> = []
                let deadline = ContinuousClock.now + .seconds(420)
                var lastKill = ContinuousClock.now
                var lastCut = ContinuousClock.now
                var cuts = 0
                while ContinuousClock.now < deadline {
                    // The driver's own connections are cut too: a failed look is tried again.
                    guard let summaries = try? await driver.runs() else {
                        try await Task.sleep(for: .milliseconds(300))
                        continue
                    }
                    if summaries.count == count && summaries.allSatisfy({ $0.state == .succeeded }) { break }
                    if kills < 40, ContinuousClock.now - lastKill > .seconds(1) {
                        let victim = Int.random(in: 0..<workers.count, using: &generator)
                        workers[victim].child.send(SIGKILL)
                        let status = try await workers[victim].child.exitStatus()
                        #expect(
                            status == 128 + SIGKILL || Self.endedOnItsOwn(workers[victim], status: status),
                            "worker exit status \(status): \(Self.output(of: workers[victim]))")
                        workers[victim] = try await ServeCommandTests.serve(journal.journal, serving)
                        kills += 1
                        lastKill = ContinuousClock.now
                    }
                    // Every few seconds the server drops every connection to the journal, as a restart would.
                    if cuts < 12, ContinuousClock.now - lastCut > .seconds(3) {
                        try await Self.terminateConnections(to: journal.journal)
                        cuts += 1
                        lastCut = ContinuousClock.now
                    }
                    // The admins: relay on then confirmed, and the lockdown's go-ahead, where a run waits for them.
                    for summary in summaries where summary.state == .waiting {
                        let id = summary.id.rawValue
                        guard let tasks = try? await driver.tasks(of: summary.id) else { continue }
                        let waiting = Set(tasks.filter { $0.state == .waiting }.map(\.id.rawValue))
                        if waiting.contains("enable-relay") && !relayDone.contains(id) {
                            try await ServeCommandTests.enableRelay(
                                org: "\(id).com", domains: ["\(id).com", "mail.\(id).com"], endpoints: endpoints)
                            if (try? await driver.confirm("enable-relay", in: summary.id, actor: "admin")) != nil { relayDone.insert(id) }
                        }
                        if waiting.contains("inbound-lockdown") && !lockdownDone.contains(id) {
                            if (try? await driver.confirm("inbound-lockdown", in: summary.id, actor: "admin")) != nil {
                                lockdownDone.insert(id)
                            }
                        }
                    }
                    try await Task.sleep(for: .milliseconds(300))
                }

                let summaries = try await driver.runs()
                let unfinished = summaries.filter { $0.state != .succeeded }.map { "\($0.id)=\($0.state)" }
                #expect(summaries.count == count)
                #expect(unfinished.isEmpty, "\(unfinished.count) unfinished: \(unfinished.prefix(20))")
                // Where an unfinished run stands, for whoever reads a failure: its tasks that did not
                // succeed, its pending messages' effect and the end of its timeline.
                for summary in summaries.filter({ $0.state != .succeeded }).prefix(3) {
                    let tasks = (try? await driver.tasks(of: summary.id)) ?? []
                    let open = tasks.filter { $0.state != .succeeded }.map { "\($0.id)=\($0.state)\($0.confirmation == nil ? "" : " (confirmed)")" }
                    let timeline = ((try? await driver.history(of: summary.id)) ?? []).suffix(12)
                        .map { "\($0.actor) \($0.action) \($0.taskID?.rawValue ?? "") \($0.reason ?? "")" }
                    Issue.record("\(summary.id): \(open); relay confirmed by the test: \(relayDone.contains(summary.id.rawValue)), lockdown: \(lockdownDone.contains(summary.id.rawValue)); timeline: \(timeline.joined(separator: " | "))")
                }
                #expect(kills >= 3, "the workers were killed while they worked")
                #expect(cuts >= 1, "and cut off from the database")
                for (index, tenant) in simulator.snapshot().tenants.enumerated() {
                    #expect(tenant.inboundConnectors.count == 1, "t\(index)")
                    #expect(tenant.outboundConnectors.count == 1, "t\(index)")
                    #expect(tenant.transportRules.count == 2, "t\(index)")
                    #expect(tenant.directoryRoleAssignments.count == 1, "t\(index)")
                    #expect(tenant.inboundConnectors.first?["RestrictDomainsToIPAddresses"]?.boolValue == true, "t\(index)")
                }
                // No task's success journaled twice, whichever worker ran it.
                for summary in summaries {
                    let successes = try await driver.history(of: summary.id).filter { $0.action == "task.succeeded" }.compactMap(\.taskID)
                    #expect(successes.count == Set(successes).count, "\(summary.id): a task recorded twice")
                }
                for worker in workers {
                    // One started by the last kill may still be opening its journal, before its SIGTERM
                    // handling is in place (the signal would end it unserved): what this checks is that a
                    // serving worker drains and exits 0.
                    try await ServeCommandTests.waitUntil(30) { worker.stdoutSoFar.contains("Serving") || !worker.child.isRunning }
                    try await Task.sleep(for: .milliseconds(500))
                    worker.child.send(SIGTERM)
                    let status = try await worker.child.exitStatus()
                    #expect(Self.endedOnItsOwn(worker, status: status), "worker exit status \(status): \(Self.output(of: worker))")
                }
                await postgres.close()
            }
        }
    }

    /// Has the server terminate every other connection to the journal's database (the workers',
    /// and the driver's pooled ones), as a restart or a network cut would.
    /// Whether a worker ended as a worker may without being killed: drained (SIGTERM) or idle
    /// (exit 0), or started while the server was ending every connection, so that it could not
    /// open its journal (exit 4 before serving: a worker fails fast at start and rides out
    /// outages once serving).
    static func endedOnItsOwn(_ worker: CapturedProcess, status: Int32) -> Bool {
        let output = Self.output(of: worker)
        return status == 0 || (status == 4 && !output.stdout.contains("Serving") && output.stderr.contains("cannot be reached"))
    }

    /// What a worker printed so far.
    static func output(of worker: CapturedProcess) -> (stdout: String, stderr: String) {
        (worker.stdoutSoFar, String(decoding: (try? Data(contentsOf: worker.err)) ?? Data(), as: UTF8.self))
    }

    static func terminateConnections(to location: String) async throws {
        let database = try PostgresJournalConfiguration(url: location)
        let configuration = PostgresConnection.Configuration(
            host: database.host, port: database.port, username: database.username, password: database.password,
            database: "postgres", tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 9, logger: quiet)
        _ = try await connection.query(
            """
            SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
            WHERE datname = \(database.database) AND pid <> pg_backend_pid()
            """, logger: quiet)
        try await connection.close()
    }
}
