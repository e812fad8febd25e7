import EssentialsOnboarding
import Foundation
import Logging
import OnboardingEngine
import OnboardingEngineTesting
import TenantSimulator

/// The onboarding workflow against the simulator: a large first directory sync, and many tenants at once.
enum WorkflowBenchmarks {
    static let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })

    static let configuration = OnboardingConfiguration(
        consentRecheck: .milliseconds(200), replicationRetry: .milliseconds(200), spfRecheck: .seconds(1),
        exchangeRetry: RetryPolicy(maxAttempts: 40, initialDelay: .milliseconds(200), maxDelay: .seconds(2)))

    static func credentials() -> OnboardingCredentials {
        let application = SimulatedApplication()
        return OnboardingCredentials(
            clientID: application.clientId, clientSecret: application.clientSecret, essentialsUser: "admin@msp.example",
            essentialsPassword: "essentials-password")
    }

    static func endpoints(_ simulator: SimulatorEndpoints) -> ServiceEndpoints {
        .simulator(at: URL(string: simulator.base)!, dnsPort: simulator.dnsPort)
    }

    /// A first directory sync of `users` users and `groups` groups; returns (seconds, users per second).
    static func directorySync(users: Int, groups: Int, journalDirectory: URL) async throws -> (Double, Double) {
        var seed = SimulatorConfiguration()
        seed.tenants = [TenantSeed(name: "contoso", seed: 7, userCount: users, groupCount: groups, membersPerGroup: 20)]
        return try await TenantSimulator.withRunning(configuration: seed, logger: quiet) { simulator, endpoints in
            try simulator.grantConsent(GraphPermission.allGraph)
            let services = try OnboardingServices(
                endpoints: Self.endpoints(endpoints), credentials: credentials(),
                tenantID: try simulator.tenantId())
            let journal = try Journal(path: journalDirectory.appendingPathComponent("sync.sqlite").path)
            let engine = OnboardingEngine(journal: journal, logger: quiet)
            let sync = EssentialsWorkflow.tasks(services: services, configuration: configuration)
                .first { $0.id == "first-directory-sync" }!
            // Its dependencies, as a finished run would have recorded them.
            let prerequisites: [any OnboardingTask] = [
                ClosureTask(id: "import-domains", output: ImportDomains.Output.self) { _ in
                    ImportDomains.Output(domains: ["contoso.com", "mail.contoso.com", "contoso.onmicrosoft.com"])
                },
                ClosureTask(id: "directory-sync-settings") { _ in NoOutput() },
            ]
            let graph = try TaskGraph(workflow: "sync-bench", tasks: prerequisites + [sync])
            let input = OnboardingInput(tenantID: try simulator.tenantId(), essentialsOrg: "contoso.com")
            let start = ContinuousClock.now
            let result = try await engine.start(graph, input: input)
            let seconds = (ContinuousClock.now - start).timeInterval
            let output = try result.task("first-directory-sync")?.decodeOutput(as: FirstDirectorySync.Output.self)
            precondition(result.state == .succeeded && output?.users == users, "sync did not finish: \(result.tasks)")
            return (seconds, Double(users) / seconds)
        }
    }

    /// `tenants` tenants onboarded at once by one engine, with `latency` added to every call.
    /// Returns the wall time in seconds (start until every run succeeded, the admin's relay
    /// confirmation included).
    static func manyTenants(_ tenants: Int, latency: Duration, journalDirectory: URL) async throws -> Double {
        var seed = SimulatorConfiguration()
        seed.tenants = (0..<tenants).map { TenantSeed(name: "t\($0)", seed: UInt64($0), userCount: 10, groupCount: 2, membersPerGroup: 5) }
        seed.essentials.organizations = [EssentialsOrgSeed(domain: "msp.example", name: "MSP")]
            + (0..<tenants).map {
                EssentialsOrgSeed(domain: "t\($0).com", name: "T\($0)", parentDomain: "msp.example", features: ["m365_integration"])
            }
        return try await TenantSimulator.withRunning(configuration: seed, logger: quiet) { simulator, endpoints in
            _ = simulator.inject(Fault(match: FaultMatch(), kind: .latency(latency), trigger: .always))
            let http = ServiceTransport(maximumConnectionsPerHost: 1024)
            do {
                let seconds = try await onboard(tenants, simulator: simulator, endpoints: endpoints, http: http, journalDirectory: journalDirectory)
                try await http.shutdown()
                return seconds
            } catch {
                try? await http.shutdown()
                throw error
            }
        }
    }

    private static func onboard(
        _ tenants: Int, simulator: TenantSimulator, endpoints: SimulatorEndpoints, http: ServiceTransport, journalDirectory: URL
    ) async throws -> Double {
            let journal = try Journal(path: journalDirectory.appendingPathComponent("tenants.sqlite").path, options: JournalOptions(durability: durability))
            let engine = OnboardingEngine(
                journal: journal, configuration: EngineConfiguration(maxConcurrentTasks: tenants * 4), logger: quiet)
            var prepared: [(RunID, TaskGraph, OnboardingInput, OnboardingServices)] = []
            for index in 0..<tenants {
                let tenantID = try simulator.tenantId("t\(index)")
                try simulator.grantConsent(GraphPermission.allGraph, tenantId: tenantID)
                for domain in ["t\(index).com", "mail.t\(index).com", "t\(index).onmicrosoft.com"] {
                    simulator.setTXTRecords(["v=spf1 include:_spf-us.ppe-hosted.com -all"], for: domain)
                }
                let services = try OnboardingServices(
                    transport: http, endpoints: Self.endpoints(endpoints), credentials: credentials(), tenantID: tenantID,
                    exchangePropagationRetry: .milliseconds(200))
                prepared.append(
                    (RunID("t\(index)"), try EssentialsWorkflow.graph(services: services, configuration: configuration),
                     OnboardingInput(tenantID: tenantID, essentialsOrg: "t\(index).com"), services))
            }
            let start = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (run, graph, input, services) in prepared {
                    group.addTask {
                        let parked = try await engine.start(graph, id: run, input: input, options: RunOptions(maxIdleWait: .seconds(5)))
                        precondition(parked.state == .waiting, "\(run): \(parked.state) \(parked.tasks.filter { $0.state != .succeeded })")
                        // The admin turns relay on and confirms; the run finishes.
                        for domain in try parked.task("import-domains")!.decodeOutput(as: ImportDomains.Output.self)!.domains {
                            try await services.essentials.setRelay(org: input.essentialsOrg, domain: domain, relay: true)
                        }
                        try engine.confirm("enable-relay", in: run, actor: "bench")
                        let done = try await engine.resume(run, graph: graph)
                        precondition(done.state == .succeeded, "\(run): \(done.state)")
                    }
                }
                try await group.waitForAll()
            }
            return (ContinuousClock.now - start).timeInterval
    }

    /// The process's peak resident memory in MiB (`VmHWM`), simulator included.
    static func peakResidentMiB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kilobytes / 1024
    }
}
