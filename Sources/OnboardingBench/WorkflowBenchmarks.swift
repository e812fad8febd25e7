import EssentialsOnboarding
import Foundation
#if canImport(Glibc)
    import Glibc
#endif
import Logging
import OnboardingEngine
import OnboardingEnginePostgres
import OnboardingEngineTesting
import Synchronization
import TenantSimulator

/// The onboarding workflow against the simulator: a large first directory sync, and many tenants at once.
enum WorkflowBenchmarks {
    static let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })

    static let configuration = OnboardingConfiguration(
        consentRecheck: .milliseconds(200), replicationRetry: .milliseconds(200), spfRecheck: .seconds(1),
        exchangeRetry: RetryPolicy(maxAttempts: 40, initialDelay: .milliseconds(200), maxDelay: .seconds(2)),
        inboundLockdown: false)  // the figures stay comparable with earlier runs'

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
        return try await Simulator.withRunning(configuration: seed, logger: quiet) { simulator, endpoints in
            try simulator.grantConsent(GraphPermission.allGraph)
            let services = try OnboardingServices(
                endpoints: Self.endpoints(endpoints), credentials: credentials(),
                tenantID: try simulator.tenantId())
            let journal = try Journal(path: journalDirectory.appendingPathComponent("sync.sqlite").path)
            let engine = Engine(journal: journal, logger: quiet)
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
        return try await Simulator.withRunning(configuration: seed, logger: quiet) { simulator, endpoints in
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
        _ tenants: Int, simulator: Simulator, endpoints: SimulatorEndpoints, http: ServiceTransport, journalDirectory: URL
    ) async throws -> Double {
            let journal = try Journal(path: journalDirectory.appendingPathComponent("tenants.sqlite").path, options: JournalOptions(durability: durability))
            let engine = Engine(
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
                        try await engine.confirm("enable-relay", in: run, actor: "bench")
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

/// The worker's figures: how soon a due timer starts its task, and a fleet of runs that park
/// on SPF and are released by one DNS change per tenant.
enum WorkerBenchmarks {
    /// `runs` runs each park on a condition re-checked after a short, staggered delay; a worker
    /// (system clock) wakes them. Returns the median, in milliseconds, from each run's durable
    /// timer falling due to its task starting again.
    static func wakeLatency(runs: Int, journal: Journal) async throws -> Double {
        let engine = Engine(journal: journal, logger: WorkflowBenchmarks.quiet)
        let starts = Mutex<[RunID: [Date]]>([:])
        let asked = Mutex<[RunID: Date]>([:])
        let probe = ClosureTask(id: "probe", output: NoOutput.self) { context in
            let attempts = starts.withLock { starts in
                starts[context.runID, default: []].append(Date())
                return starts[context.runID]!.count
            }
            guard attempts > 1 else {
                let delay = 200 + 20 * (Int(context.runID.rawValue.dropFirst()) ?? 0)
                asked.withLock { $0[context.runID] = Date().addingTimeInterval(Double(delay) / 1000) }
                throw TaskInterruption.waitingForCondition("not yet", recheckAfter: .milliseconds(delay))
            }
            return NoOutput()
        }
        let graph = try TaskGraph(workflow: "wake", tasks: [probe])
        var registry = WorkflowRegistry()
        registry.register("wake") { _ in graph }
        let worker = OnboardingWorker(
            engine: engine, registry: registry, configuration: .init(maxIdleWait: .zero), logger: WorkflowBenchmarks.quiet)
        let serving = Task { try await worker.run() }
        defer { serving.cancel() }
        var dueAt: [RunID: Date] = [:]
        for index in 0..<runs {
            let id = RunID("w\(index)")
            try await engine.submit(graph, id: id, input: NoOutput(), options: RunOptions(maxIdleWait: .zero))
        }
        // Each run's timer as the commit that parked it wrote it; on a loaded machine a run may be
        // woken and finish before this loop reads its timer, and then the instant its task asked
        // for (a hair earlier than the commit's) stands in, instead of waiting for a timer gone.
        while dueAt.count < runs {
            for index in 0..<runs where dueAt[RunID("w\(index)")] == nil {
                let id = RunID("w\(index)")
                let record = try journal.run(id)
                if let wake = record.wakeAt {
                    dueAt[id] = wake
                } else if record.state.hasEnded, let due = asked.withLock({ $0[id] }) {
                    dueAt[id] = due
                }
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        for index in 0..<runs { _ = try await engine.result(of: RunID("w\(index)"), pollInterval: .milliseconds(20)) }
        let latencies = starts.withLock { starts in
            dueAt.compactMap { run, due in starts[run]?.dropFirst().first.map { $0.timeIntervalSince(due) * 1000 } }
        }.sorted()
        return latencies[latencies.count / 2]
    }

    /// SPF is re-checked rarely: the person who changes DNS says so (`signal`), as with a worker.
    static let fleetConfiguration = OnboardingConfiguration(
        consentRecheck: .seconds(600), replicationRetry: .milliseconds(200), spfRecheck: .seconds(600),
        exchangeRetry: RetryPolicy(maxAttempts: 40, initialDelay: .milliseconds(200), maxDelay: .seconds(2)),
        inboundLockdown: false)

    /// How soon a confirmation sent by another process reaches a run that is executing: `runs`
    /// times, a run waits for a person while a long task keeps it live, and a second engine
    /// (its own connection and owner id) confirms. Returns the median milliseconds from the
    /// send to the owner journaling the confirmation.
    static func messageLatency(runs: Int, journalPath: String) async throws -> Double {
        let engine = Engine(journal: try Journal(path: journalPath), logger: WorkflowBenchmarks.quiet)
        let other = Engine(
            journal: try Journal(path: journalPath), configuration: EngineConfiguration(ownerID: "bench-other:1:x"),
            logger: WorkflowBenchmarks.quiet)
        let release = Mutex(Set<RunID>())
        let busy = ClosureTask(id: "busy") { context in
            while !release.withLock({ $0.contains(context.runID) }) { try await Task.sleep(for: .milliseconds(5)) }
            return NoOutput()
        }
        let approve = ClosureTask(id: "approve", output: NoOutput.self) { context in
            guard context.confirmation != nil else { throw TaskInterruption.waitingForPerson(action: "Approve.") }
            return NoOutput()
        }
        let graph = try TaskGraph(workflow: "message", tasks: [busy, approve])
        var latencies: [Double] = []
        for index in 0..<runs {
            let id = RunID("m\(index)")
            let running = Task { try await engine.start(graph, id: id, input: NoOutput()) }
            while (try? await engine.tasks(of: id))?.first(where: { $0.id == "approve" })?.state != .waiting {
                try await Task.sleep(for: .milliseconds(2))
            }
            // Sent at a random point of the owner's poll cycle.
            try await Task.sleep(for: .milliseconds(Int.random(in: 0..<1000)))
            let sent = Date()
            try await other.confirm("approve", in: id, actor: "bench")
            while try await !engine.history(of: id).contains(where: { $0.action == "task.confirmed" }) {
                try await Task.sleep(for: .milliseconds(2))
            }
            let confirmed = try await engine.history(of: id).first { $0.action == "task.confirmed" }!
            latencies.append(confirmed.at.timeIntervalSince(sent) * 1000)
            release.withLock { _ = $0.insert(id) }
            _ = try await running.value
        }
        return latencies.sorted()[latencies.count / 2]
    }

    /// `count` tenants submitted to one worker in this process, against the simulator with
    /// `latency` per call; each parks on SPF, then one DNS change per tenant (and a signal that
    /// it was made) releases it.
    /// Returns the figures: wall seconds from the first submit to all succeeded (and its phases),
    /// peak RSS, the RSS of the seeded simulator before any run, and the RSS with every run
    /// parked and none in flight (MiB).
    /// Where the fleet's runs are journaled, and by how many workers they are driven.
    enum FleetJournal {
        /// One SQLite file, one worker.
        case sqlite(URL)
        /// A PostgreSQL database and `workers` workers, each with its own engine, lease owner and
        /// connections, as that many hosts would have.
        case postgres(PostgresJournalConfiguration, workers: Int)
    }

    static func fleet(_ count: Int, latency: Duration, journalDirectory: URL) async throws -> [(String, Double)] {
        try await fleet(count, latency: latency, journal: .sqlite(journalDirectory.appendingPathComponent("fleet.sqlite")))
    }

    static func fleet(_ count: Int, latency: Duration, journal location: FleetJournal) async throws -> [(String, Double)] {
        var seed = SimulatorConfiguration()
        seed.tenants = (0..<count).map { TenantSeed(name: "f\($0)", seed: UInt64($0), userCount: 5, groupCount: 1, membersPerGroup: 3) }
        seed.essentials.organizations = [EssentialsOrgSeed(domain: "msp.example", name: "MSP")]
            + (0..<count).map {
                EssentialsOrgSeed(domain: "f\($0).com", name: "F\($0)", parentDomain: "msp.example", features: ["m365_integration"])
            }
        return try await Simulator.withRunning(configuration: seed, logger: WorkflowBenchmarks.quiet) { simulator, endpoints in
            let http = ServiceTransport(maximumConnectionsPerHost: 1024)
            defer { Task { try? await http.shutdown() } }
            let serviceEndpoints = WorkflowBenchmarks.endpoints(endpoints)
            let credentials = WorkflowBenchmarks.credentials()
            var tenants: [String] = []
            for index in 0..<count {
                let tenantID = try simulator.tenantId("f\(index)")
                try simulator.grantConsent(GraphPermission.allGraph, tenantId: tenantID)
                tenants.append(tenantID)
            }
            // Relay is already on (set up before the clock starts), so every run parks on SPF alone.
            let essentials = try OnboardingServices(
                transport: http, endpoints: serviceEndpoints, credentials: credentials, tenantID: tenants[0]).essentials
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<count {
                    if index >= 64 { try await group.next() }
                    group.addTask {
                        for domain in ["f\(index).com", "mail.f\(index).com"] {
                            try await essentials.addDomain(org: "f\(index).com", name: domain, relay: true)
                            try await essentials.setRelay(org: "f\(index).com", domain: domain, relay: true)
                        }
                    }
                }
                try await group.waitForAll()
            }
            _ = simulator.inject(Fault(match: FaultMatch(), kind: .latency(latency), trigger: .always))
            let baselineRSS = residentMiB()

            let engineConfiguration = { (host: Int) in
                EngineConfiguration(maxConcurrentTasks: 4_096, ownerID: "bench-host-\(host):\(getpid()):\(UUID().uuidString.prefix(8))")
            }
            var engines: [Engine] = []
            var opened: [PostgresJournal] = []
            switch location {
            case .sqlite(let file):
                engines.append(
                    Engine(
                        journal: try Journal(path: file.path), configuration: engineConfiguration(0), logger: WorkflowBenchmarks.quiet))
            case .postgres(let database, let workers):
                for host in 0..<max(1, workers) {
                    let journal = try await PostgresJournal.open(database, logger: WorkflowBenchmarks.quiet)
                    opened.append(journal)
                    engines.append(Engine(journal: journal, configuration: engineConfiguration(host), logger: WorkflowBenchmarks.quiet))
                }
            }
            defer { for journal in opened { Task { await journal.close() } } }
            let engine = engines[0]
            var registry = WorkflowRegistry()
            registry.register(EssentialsWorkflow.name) { run in
                let input = try run.decodeInput(as: OnboardingInput.self)
                let services = try OnboardingServices(
                    transport: http, endpoints: serviceEndpoints, credentials: credentials, tenantID: input.tenantID,
                    exchangePropagationRetry: .milliseconds(200))
                return try EssentialsWorkflow.graph(services: services, configuration: fleetConfiguration)
            }
            let workers = engines.map { engine in
                OnboardingWorker(
                    engine: engine, registry: registry,
                    configuration: .init(maxConcurrentRuns: 1_000 / engines.count, maxIdleWait: .seconds(1)),
                    logger: WorkflowBenchmarks.quiet)
            }
            let start = ContinuousClock.now
            let serving = workers.map { worker in Task { try await worker.run() } }
            defer { for task in serving { task.cancel() } }
            let template = try OnboardingServices(
                transport: http, endpoints: serviceEndpoints, credentials: credentials, tenantID: tenants[0])
            let graph = try EssentialsWorkflow.graph(services: template, configuration: fleetConfiguration)
            for index in 0..<count {
                try await engine.submit(
                    graph, id: RunID("f\(index)"), input: OnboardingInput(tenantID: tenants[index], essentialsOrg: "f\(index).com"))
            }
            let submitted = ContinuousClock.now
            // All parked on SPF, none in flight.
            while try await engine.runs(state: .waiting).count < count || workers.contains(where: { !$0.runsInFlight.isEmpty }) {
                try await Task.sleep(for: .milliseconds(200))
            }
            let parkedRSS = residentMiB()
            let parked = ContinuousClock.now
            for index in 0..<count {
                for domain in ["f\(index).com", "mail.f\(index).com"] {
                    simulator.setTXTRecords(["v=spf1 include:spf.protection.outlook.com include:_spf-us.ppe-hosted.com -all"], for: domain)
                }
                try await engine.signal("spf-check", in: RunID("f\(index)"), actor: "bench", note: "SPF updated")
            }
            while try await engine.runs(state: .succeeded).count < count {
                try await Task.sleep(for: .milliseconds(200))
            }
            let end = ContinuousClock.now
            return [
                ("fleet_wall_s", (end - start).timeInterval), ("fleet_submit_s", (submitted - start).timeInterval),
                ("fleet_to_all_parked_s", (parked - start).timeInterval), ("fleet_release_s", (end - parked).timeInterval),
                ("fleet_peak_rss_mib", WorkflowBenchmarks.peakResidentMiB()), ("fleet_simulator_rss_mib", baselineRSS),
                ("fleet_parked_rss_mib", parkedRSS), ("fleet_parked_minus_simulator_mib", parkedRSS - baselineRSS),
            ]
        }
    }

    /// The engine's own memory for parked runs: `count` runs of a 17-task graph (16 no-ops, then a
    /// condition that never holds) submitted to one worker, executed, and parked. Returns (RSS MiB
    /// before the first submit, RSS MiB with every run parked and none in flight).
    static func parkedMemory(_ count: Int, journal: Journal) async throws -> (Double, Double) {
        let engine = Engine(journal: journal, logger: WorkflowBenchmarks.quiet)
        let steps = (0..<16).map { index in
            ClosureTask(id: TaskID("step-\(index)"), dependencies: index == 0 ? [] : [TaskID("step-\(index - 1)")]) { _ in
                NoOutput()
            }
        }
        let spf = ClosureTask(id: "spf-check", dependencies: ["step-15"], output: NoOutput.self) { _ in
            throw TaskInterruption.waitingForCondition("SPF does not include Essentials yet", recheckAfter: .seconds(3600))
        }
        let graph = try TaskGraph(workflow: "parked", tasks: steps + [spf])
        var registry = WorkflowRegistry()
        registry.register("parked") { _ in graph }
        let worker = OnboardingWorker(
            engine: engine, registry: registry, configuration: .init(maxConcurrentRuns: 256, maxIdleWait: .zero),
            logger: WorkflowBenchmarks.quiet)
        let before = residentMiB()
        let serving = Task { try await worker.run() }
        defer { serving.cancel() }
        for index in 0..<count {
            try await engine.submit(graph, id: RunID("p\(index)"), input: ["tenant": "t\(index)"], options: RunOptions(maxIdleWait: .zero))
        }
        while try journal.runs(state: .waiting).count < count || !worker.runsInFlight.isEmpty {
            try await Task.sleep(for: .milliseconds(100))
        }
        return (before, residentMiB())
    }

    /// The process's resident memory now, in MiB (`VmRSS`), after handing the allocator's free
    /// pages back (`malloc_trim`), so it counts what is live rather than what was once used.
    static func residentMiB() -> Double {
        #if canImport(Glibc)
            // glibc's malloc_trim, which Swift's Glibc module does not expose.
            if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") {
                _ = unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)(0)
            }
        #endif
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kilobytes / 1024
    }
}
