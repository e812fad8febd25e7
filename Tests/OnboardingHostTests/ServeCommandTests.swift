import Foundation
import Logging
import OnboardingEngine
import OnboardingEngineTesting
import TenantSimulator
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// `onboard serve` as a process: the worker drives runs queued with `start --no-wait` while a
/// person only consents, enables relay and updates SPF; it drains on SIGTERM; and runs survive
/// SIGKILLs of their worker.
@Suite("onboard serve drives runs to the end", .serialized, .timeLimit(.minutes(5)))
struct ServeCommandTests {
    static let quiet = Logger(label: "sim", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A serving worker, started in the background, whose stdout the test can read.
    static func serve(_ journal: String, _ extra: [String] = []) async throws -> CapturedProcess {
        try await CapturedProcess.start(
            ["serve", "--journal", journal, "--log-level", "warning"] + extra, environment: StartCommandTests.environment())
    }

    /// `onboard start … --no-wait` for tenant `name` of the simulator; returns its exit status.
    static func submit(
        _ journal: String, run: String, tenant: String, org: String, endpoints: SimulatorEndpoints, extra: [String] = []
    ) async throws -> Int32 {
        try await StartCommandTests.status(
            [
                "start", "--journal", journal, "--tenant", tenant, "--org", org, "--run", run, "--no-wait",
                "--simulator", endpoints.base, "--dns-port", "\(endpoints.dnsPort!)",
            ] + extra)
    }

    /// Waits (without blocking a thread) until `condition` holds or `seconds` pass.
    static func waitUntil(_ seconds: Double, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if (try? await condition()) == true { return }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    static func enableRelay(org: String, domains: [String], endpoints: SimulatorEndpoints) async throws {
        for domain in domains {
            var request = URLRequest(url: URL(string: "\(endpoints.essentials)/api/v1/orgs/\(org)/domains/\(domain)")!)
            request.httpMethod = "PUT"
            request.setValue("admin@msp.example", forHTTPHeaderField: "X-User")
            request.setValue("essentials-password", forHTTPHeaderField: "X-Password")
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(#"{"is_relay": true}"#.utf8)
            // As an admin in the portal would: again after a throttled or unavailable answer, until it took.
            var attempts = 0
            while true {
                let (_, response) = try await URLSession.shared.data(for: request)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                if (200..<300).contains(status) { break }
                attempts += 1
                guard [429, 503].contains(status), attempts < 20 else {
                    throw URLError(.badServerResponse, userInfo: [NSLocalizedDescriptionKey: "relay for \(domain): HTTP \(status)"])
                }
                let wait = (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Retry-After").flatMap(Double.init) ?? 0.5
                try await Task.sleep(for: .seconds(min(wait, 5)))
            }
        }
    }

    /// A folder for one test's journal, removed by `remove()`.
    struct TemporaryFolder {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("serve-\(UUID().uuidString)")
        init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        var journal: String { url.appendingPathComponent("journal.sqlite").path }
        func remove() { try? FileManager.default.removeItem(at: url) }
    }

    /// A browser that does not follow redirects, to see where the consent page sends the admin.
    final class NoRedirects: NSObject, URLSessionTaskDelegate {
        func urlSession(
            _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
            newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
        ) { completionHandler(nil) }
    }

    @Test func aQueuedRunIsDrivenToTheEndWhileAPersonOnlyConsentsEnablesRelayAndUpdatesSPF() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let journal = folder.journal

        try await Simulator.withRunning(logger: Self.quiet) { simulator, endpoints in
            let server = try await Self.serve(journal, ["--http-port", "0"])
            defer { server.child.send(SIGKILL) }
            var callback: String?
            try await Self.waitUntil(30) {
                callback = server.stdoutSoFar.split(separator: "\n")
                    .first { $0.hasPrefix("Consent callback: ") }.map { String($0.dropFirst("Consent callback: ".count)) }
                return callback != nil
            }
            let redirect = try #require(callback, "serve prints its callback URL")

            let status = try await Self.submit(
                journal, run: "r1", tenant: try simulator.tenantId(), org: "contoso.com", endpoints: endpoints,
                extra: ["--consent-redirect-uri", redirect])
            #expect(status == 0)
            let reader = try Journal(path: journal, options: .reading)
            func task(_ id: TaskID) -> TaskRecord? { try? reader.tasks(of: "r1").first { $0.id == id } }

            // 1. The admin opens the consent link; Microsoft sends the browser to serve's callback.
            try await Self.waitUntil(60) { task("admin-consent")?.state == .waiting }
            let message = try #require(task("admin-consent")?.park?.message)
            let link = try #require(message.split(separator: " ").first { $0.contains("/adminconsent?") }.map(String.init))
            let browser = URLSession(configuration: .ephemeral, delegate: NoRedirects(), delegateQueue: nil)
            let (_, consentPage) = try await browser.data(from: URL(string: link)!)
            let location = try #require((consentPage as? HTTPURLResponse)?.value(forHTTPHeaderField: "Location"))
            #expect(location.hasPrefix(redirect))
            let (page, answer) = try await browser.data(from: URL(string: location)!)
            #expect((answer as? HTTPURLResponse)?.statusCode == 200)
            #expect(String(decoding: page, as: UTF8.self).contains("Consent received"))
            // A forged state is refused with a plain page, and changes nothing.
            let forged = location.replacingOccurrences(of: "state=", with: "state=x")
            let (_, refused) = try await browser.data(from: URL(string: forged)!)
            #expect((refused as? HTTPURLResponse)?.statusCode == 400)

            // 2. Relay: the admin turns it on and confirms without resuming; the worker continues.
            try await Self.waitUntil(60) { task("enable-relay")?.state == .waiting }
            #expect(task("admin-consent")?.state == .succeeded)
            try await Self.enableRelay(org: "contoso.com", domains: ["contoso.com", "mail.contoso.com"], endpoints: endpoints)
            let relay = try await runOnboard(["confirm", "r1", "enable-relay", "--no-resume", "--journal", journal, "--note", "relay on"])
            #expect(relay.status == 0)
            // Parked, the worker is told; still running other tasks, the confirmation is sent to it.
            #expect(relay.stdout.contains("serves this journal") || relay.stdout.contains("which is running it"), "\(relay.stdout)")

            // 3. SPF: the admin updates DNS and says so; the worker re-checks at once.
            try await Self.waitUntil(60) { task("spf-check")?.state == .waiting }
            for domain in ["contoso.com", "mail.contoso.com"] {
                simulator.setTXTRecords(["v=spf1 include:spf.protection.outlook.com include:_spf-us.ppe-hosted.com -all"], for: domain)
            }
            let spf = try await runOnboard(["confirm", "r1", "spf-check", "--no-resume", "--journal", journal, "--note", "SPF updated"])
            #expect(spf.status == 0)

            // 4. MX: the customer points it at Essentials and says so; after the audit period, the go-ahead.
            for domain in ["contoso.com", "mail.contoso.com"] {
                simulator.setMXRecords(["mx1-us1.ppe-hosted.com", "mx2-us1.ppe-hosted.com"], for: domain)
            }
            try await Self.waitUntil(60) { task("mx-check")?.state == .waiting || task("mx-check")?.state == .succeeded }
            _ = try await runOnboard(["confirm", "r1", "mx-check", "--no-resume", "--journal", journal, "--note", "MX moved"])
            try await Self.waitUntil(60) { task("inbound-lockdown")?.state == .waiting }
            #expect(simulator.snapshot().tenants[0].inboundConnectors.first?["RestrictDomainsToIPAddresses"]?.boolValue == false)
            let lockdown = try await runOnboard(["confirm", "r1", "inbound-lockdown", "--no-resume", "--journal", journal, "--note", "audit clean"])
            #expect(lockdown.status == 0)
            try await Self.waitUntil(20) { try reader.run("r1").state == .succeeded }
            #expect(simulator.snapshot().tenants[0].inboundConnectors.first?["RestrictDomainsToIPAddresses"]?.boolValue == true)
            #expect(try reader.run("r1").state == .succeeded)
            let actors = Set(try reader.events(of: "r1").map(\.actor))
            #expect(actors.isSuperset(of: ["worker", "consent-callback"]))

            // 5. SIGTERM: drained, exit 0.
            server.child.send(SIGTERM)
            #expect(try await server.child.exitStatus() == 0)
        }
    }

    @Test func aRunParkedOnARetryIsWokenByItsDurableTimerWithNobodyActing() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let journal = folder.journal

        try await Simulator.withRunning(logger: Self.quiet) { simulator, endpoints in
            // The application's service principal shows in Graph 12 s after consent: the
            // service-principals task's first attempt, however late a loaded machine runs it, comes
            // before, and it retries after the workflow's replication retry (15 s), when it is there.
            simulator.updateTimings { $0.servicePrincipalReplicationLag = .seconds(12) }
            try simulator.grantConsent(GraphPermission.allGraph)
            #expect(try await Self.submit(journal, run: "r1", tenant: try simulator.tenantId(), org: "contoso.com", endpoints: endpoints) == 0)
            // A worker that parks a run as soon as nothing can run: the retry is a durable timer.
            let server = try await Self.serve(journal, ["--max-idle-seconds", "0"])
            defer { server.child.send(SIGKILL) }
            let reader = try Journal(path: journal, options: .reading)
            try await Self.waitUntil(90) { try reader.tasks(of: "r1").first { $0.id == "service-principals" }?.state == .succeeded }
            let events = try reader.events(of: "r1")
            let retrying = try #require(events.firstIndex { $0.action == "task.retrying" })
            let parked = try #require(events[retrying...].firstIndex { $0.action == "run.parked" }, "parked on the timer")
            let resumed = try #require(events[parked...].first { $0.action == "run.resumed" })
            #expect(resumed.actor == "worker")
            #expect(resumed.at.timeIntervalSince(events[parked].at) >= 10, "not before its retry is due")
            #expect(!events.contains { ["task.confirmed", "task.signalled", "task.retry-requested"].contains($0.action) })
            server.child.send(SIGTERM)
            #expect(try await server.child.exitStatus() == 0)
        }
    }

    @Test func sigtermDrainsRunningTasksAndTheNextServeContinuesAtOnce() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let journal = folder.journal

        try await Simulator.withRunning(logger: Self.quiet) { simulator, endpoints in
            try simulator.grantConsent(GraphPermission.allGraph)
            // Slow calls: tasks are running when SIGTERM arrives.
            _ = simulator.inject(Fault(match: FaultMatch(), kind: .latency(.milliseconds(400)), trigger: .always))
            #expect(try await Self.submit(journal, run: "r1", tenant: try simulator.tenantId(), org: "contoso.com", endpoints: endpoints) == 0)
            let reader = try Journal(path: journal, options: .reading)
            let first = try await Self.serve(journal, ["--drain-seconds", "20"])
            try await Self.waitUntil(60) { try reader.tasks(of: "r1").contains { $0.state == .running } }
            let signalled = ContinuousClock.now
            first.child.send(SIGTERM)
            #expect(try await first.child.exitStatus() == 0)
            #expect(ContinuousClock.now - signalled < .seconds(20), "within the drain deadline")
            let run = try reader.run("r1")
            #expect(run.leaseOwner == nil, "the run was given back")
            #expect(try reader.tasks(of: "r1").allSatisfy { $0.state != .running })
            let actions = try reader.events(of: "r1").map(\.action)
            #expect(!actions.contains("task.crashed"))
            #expect(actions.contains("run.released") || run.state != .running)

            // The next worker takes it at once, with no lease to wait out.
            simulator.removeAllFaults()
            let before = try reader.events(of: "r1").count
            let second = try await Self.serve(journal)
            defer { second.child.send(SIGKILL) }
            try await Self.waitUntil(10) { try reader.events(of: "r1").count > before + 2 }
            #expect(try reader.events(of: "r1").dropFirst(before).first?.action == "run.resumed")
            try await Self.waitUntil(60) { try reader.run("r1").state == .waiting }
            #expect(try reader.tasks(of: "r1").first { $0.id == "enable-relay" }?.state == .waiting)
            second.child.send(SIGTERM)
            #expect(try await second.child.exitStatus() == 0)
        }
    }

    @Test func fiftySigkillsOfTheWorkerWithTwentyRunsInFlightThenAFreshServeCompletesEachTenantOnce() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let journal = folder.journal
        let tenants = 20
        var seed = SimulatorConfiguration()
        seed.tenants = (0..<tenants).map { TenantSeed(name: "t\($0)", seed: UInt64($0), userCount: 5, groupCount: 1, membersPerGroup: 3) }
        seed.essentials.organizations = [EssentialsOrgSeed(domain: "msp.example", name: "MSP")]
            + (0..<tenants).map {
                EssentialsOrgSeed(domain: "t\($0).com", name: "T\($0)", parentDomain: "msp.example", features: ["m365_integration"])
            }

        try await Simulator.withRunning(configuration: seed, logger: Self.quiet) { simulator, endpoints in
            _ = simulator.inject(Fault(match: FaultMatch(), kind: .latency(.milliseconds(10)), trigger: .always))
            for index in 0..<tenants {
                try simulator.grantConsent(GraphPermission.allGraph, tenantId: try simulator.tenantId("t\(index)"))
                for domain in ["t\(index).com", "mail.t\(index).com"] {
                    simulator.setTXTRecords(["v=spf1 include:_spf-us.ppe-hosted.com -all"], for: domain)
                    simulator.setMXRecords(["mx1-us1.ppe-hosted.com", "mx2-us1.ppe-hosted.com"], for: domain)
                }
                #expect(
                    try await Self.submit(
                        journal, run: "t\(index)", tenant: try simulator.tenantId("t\(index)"), org: "t\(index).com",
                        endpoints: endpoints) == 0)
            }
            let reader = try Journal(path: journal, options: .reading)
            var generator = SystemRandomNumberGenerator()
            var killedWhileRunning = 0
            // Each kill is a worker dying, not a task's fault: no crash-loop stop for this test.
            let serving = ["--max-idle-seconds", "1", "--max-consecutive-crashes", "1000"]
            func tasksRunning() throws -> Bool {
                try reader.runs().contains { $0.state == .running && $0.taskCounts[.running, default: 0] > 0 }
            }
            for _ in 0..<50 {
                let worker = try await Self.serve(journal, serving)
                // Kill at a random point once it works (or once nothing is left to do).
                try await Self.waitUntil(5) { try tasksRunning() || reader.runs().allSatisfy { $0.state != .running } }
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...300, using: &generator)))
                if try tasksRunning() { killedWhileRunning += 1 }
                worker.child.send(SIGKILL)
                #expect(try await worker.child.exitStatus() == 128 + SIGKILL)
            }
            #expect(killedWhileRunning >= 10, "most kills land while tasks run")

            // A fresh worker finishes what the kills interrupted; the admins enable relay and confirm.
            let last = try await Self.serve(journal, serving)
            defer { last.child.send(SIGKILL) }
            let confirmer = Engine(
                journal: try Journal(path: journal), logger: Logger(label: "c", factory: { _ in SwiftLogNoOpLogHandler() }))
            var confirmed: Set<String> = []
            var lockdownConfirmed: Set<String> = []
            let deadline = ContinuousClock.now + .seconds(150)
            while ContinuousClock.now < deadline {
                let runs = try reader.runs()
                if runs.allSatisfy({ $0.state == .succeeded }) { break }
                for run in runs where !lockdownConfirmed.contains(run.id.rawValue) {
                    guard try reader.tasks(of: run.id).first(where: { $0.id == "inbound-lockdown" })?.state == .waiting else { continue }
                    try await confirmer.confirm("inbound-lockdown", in: run.id, actor: "admin")
                    lockdownConfirmed.insert(run.id.rawValue)
                }
                for run in runs where !confirmed.contains(run.id.rawValue) {
                    guard try reader.tasks(of: run.id).first(where: { $0.id == "enable-relay" })?.state == .waiting else { continue }
                    let index = run.id.rawValue.dropFirst()
                    try await Self.enableRelay(org: "t\(index).com", domains: ["t\(index).com", "mail.t\(index).com"], endpoints: endpoints)
                    try await confirmer.confirm("enable-relay", in: run.id, actor: "admin")
                    confirmed.insert(run.id.rawValue)
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            let runs = try reader.runs()
            let unfinished = try runs.filter { $0.state != .succeeded }.map { run in
                let failed = try reader.tasks(of: run.id).filter { $0.state == .failed }.map { "\($0.id): \($0.lastError?.message ?? "")" }
                // What it waits for and its last steps, so a failure here can be read from the log alone.
                let waiting = try reader.tasks(of: run.id).filter { $0.state != .succeeded }.map { "\($0.id)=\($0.state)" }
                // Resumes are left out (a run resumed by many killed workers has dozens), so the
                // person's confirmation and what the task did with it stay in view.
                let last = try reader.events(of: run.id)
                    .filter {
                        ($0.taskID == "enable-relay" || $0.taskID == "inbound-lockdown" || $0.taskID == nil || $0.action.hasPrefix("message"))
                            && $0.action != "run.resumed"
                    }
                    .suffix(24)
                    .map { "\($0.actor) \($0.action) \($0.taskID?.rawValue ?? "") \($0.reason ?? "")" }
                return "\(run.id): \(run.state) \(failed) tasks \(waiting) wakeAt \(String(describing: try reader.run(run.id).wakeAt)) last \(last)"
            }
            #expect(runs.count == tenants)
            // With what the last worker logged (warnings and errors), should a run be left unfinished.
            let logged = String(decoding: (try? Data(contentsOf: last.err)) ?? Data(), as: UTF8.self).suffix(3_000)
            #expect(unfinished.isEmpty, "\(unfinished); the worker logged: \(logged)")
            for (index, microsoft) in simulator.snapshot().tenants.enumerated() {
                #expect(microsoft.inboundConnectors.count == 1, "tenant \(index)")
                #expect(microsoft.outboundConnectors.count == 1, "tenant \(index)")
                #expect(microsoft.transportRules.count == 2, "tenant \(index)")
                #expect(microsoft.inboundConnectors.first?["RestrictDomainsToIPAddresses"]?.boolValue == true, "tenant \(index)")
                #expect(microsoft.directoryRoleAssignments.count == 1, "tenant \(index)")
            }
            #expect(try reader.integrityCheck() == ["ok"])
            last.child.send(SIGTERM)
            #expect(try await last.child.exitStatus() == 0)
        }
    }
}

@Suite("onboard serve --drift-every", .serialized, .timeLimit(.minutes(2)))
struct ServeDriftTests {
    @Test func succeededRunsAreCheckedForDriftAndTheFindingsJournaled() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let run = try await journal.demo([], expecting: 0)
        let server = try await ServeCommandTests.serve(journal.path, ["--drift-every", "1h"])
        defer { server.child.send(SIGKILL) }
        let reader = try Journal(path: journal.path, options: .reading)
        try await ServeCommandTests.waitUntil(60) {
            try reader.events(of: RunID(run)).contains { $0.action.hasPrefix("run.drift-") }
        }
        let check = try #require(try reader.events(of: RunID(run)).last { $0.action.hasPrefix("run.drift-") })
        #expect(check.action == "run.drift-clean", "\(check.reason ?? "")")
        #expect(check.actor == "drift-monitor")
        #expect(try reader.run(RunID(run)).state == .succeeded)
        // Its hour-long wait ends at once on SIGTERM.
        let signalled = ContinuousClock.now
        server.child.send(SIGTERM)
        #expect(try await server.child.exitStatus() == 0)
        #expect(ContinuousClock.now - signalled < .seconds(20))
    }
}

@Suite("A demo run under onboard serve", .serialized, .timeLimit(.minutes(2)))
struct ServeDemoTests {
    @Test func aDemoStepFromTheCommandLineIsRefusedWhileAWorkerKeepsTheTenant() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let run = try await journal.demo(["--admin-skips", "relay"], expecting: 3)
        let tenantFile = journal.folder.appendingPathComponent("\(run).tenant.json")
        let before = try Data(contentsOf: tenantFile)
        let server = try await ServeCommandTests.serve(journal.path)
        defer { server.child.send(SIGKILL) }
        let reader = try Journal(path: journal.path, options: .reading)
        try await ServeCommandTests.waitUntil(30) { try !reader.liveWorkers().isEmpty }

        let refused = try await journal.run(["confirm", run, "enable-relay"])
        expectOneLineError(refused, status: 6, containing: "keeps its demo tenants")
        #expect(try Data(contentsOf: tenantFile) == before, "no second copy of the tenant wrote its file")
        #expect(try reader.tasks(of: RunID(run)).first { $0.id == "enable-relay" }?.confirmation == nil)
        server.child.send(SIGTERM)
        #expect(try await server.child.exitStatus() == 0)
    }
}
