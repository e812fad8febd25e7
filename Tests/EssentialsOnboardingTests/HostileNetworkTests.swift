@testable import EssentialsOnboarding
import EssentialsOnboardingTesting
import Foundation
import Logging
@testable import OnboardingEngine
import OnboardingEngineTesting
import Synchronization
import Testing
import TenantSimulator

/// A hostile server in place of each service, over real loopback HTTP: no credential leaves for
/// another host or lands in the journal or the logs, every call ends, every run can finish.
@Suite("Hostile networks: no secret leaks, every call ends, every run can finish", .timeLimit(.minutes(3)))
struct HostileNetworkTests {
    /// Distinctive secrets, so a scan for them means something.
    static let clientSecret = "Quokka-Client-Secret-8832"
    static let essentialsPassword = "Wombat-Essentials-Pass-5519"

    static var seed: SimulatorConfiguration {
        var seed = SimulatorConfiguration.default
        seed.application.clientSecret = clientSecret
        seed.essentials.credentials = [EssentialsCredential(user: "admin@msp.example", password: essentialsPassword)]
        return seed
    }

    static let credentials = OnboardingCredentials(
        clientID: SimulatedApplication().clientId, clientSecret: clientSecret, essentialsUser: "admin@msp.example",
        essentialsPassword: essentialsPassword)

    /// A second server on another port that records whatever reaches it.
    static func withElsewhere<T: Sendable>(_ body: (Simulator, String) async throws -> T) async throws -> T {
        try await Simulator.withRunning(
            logger: Logger(label: "elsewhere", factory: { _ in SwiftLogNoOpLogHandler() })
        ) { elsewhere, endpoints in try await body(elsewhere, endpoints.base) }
    }

    /// A consented tenant with its DNS ready and Graph pages of 10 (25 users: three pages).
    static func withPagedTenant(_ body: (SimulatedTenant) async throws -> Void) async throws {
        var configuration = SimulatedTenant.configuration
        configuration.pageSize = 10
        try await SimulatedTenant.with(configuration: configuration) { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph)
            tenant.updateSPF()
            try await body(tenant)
        }
    }

    enum Redirected: String, CaseIterable, Sendable {
        case essentials, token, graph, exchange
    }

    @Test(arguments: Redirected.allCases)
    func aRedirectIsRefusedAndNothingReachesTheOtherHost(_ service: Redirected) async throws {
        try await Self.withElsewhere { elsewhere, elsewhereBase in
            try await SimulatedTenant.with(Self.seed, credentials: Self.credentials) { tenant in
                try tenant.simulator.grantConsent(GraphPermission.allGraph + [.exchangeManageAsApp])
                let target = "\(elsewhereBase)/steal?from=\(service)"
                let error: ServiceError
                switch service {
                case .essentials:
                    tenant.simulator.inject(Fault(.essentials, kind: .redirect(status: 302, to: target)))
                    error = try await #require(throws: ServiceError.self) {
                        _ = try await tenant.services.essentials.features(org: "contoso.com")
                    }
                case .token:
                    tenant.simulator.inject(Fault(.identity, method: "POST", route: "/token", kind: .redirect(status: 307, to: target)))
                    error = try await #require(throws: ServiceError.self) {
                        _ = try await tenant.services.identity.token(for: .graph)
                    }
                case .graph:
                    tenant.simulator.inject(Fault(.graph, method: "GET", route: "/domains", kind: .redirect(status: 301, to: target)))
                    error = try await #require(throws: ServiceError.self) { _ = try await tenant.services.graph.domains() }
                case .exchange:
                    tenant.simulator.inject(
                        Fault(.exchange, route: "Get-InboundConnector", kind: .redirect(status: 308, to: target)))
                    error = try await #require(throws: ServiceError.self) {
                        _ = try await tenant.services.exchange.invoke("Get-InboundConnector")
                    }
                }
                #expect(error.code == .invalidResponse, "\(error)")
                #expect(error.message.contains("redirect"), "\(error)")
                #expect(error.message.contains(elsewhereBase), "the error names the target: \(error)")
                #expect(elsewhere.requests().isEmpty, "nothing, and so no credential, reached the other host")
            }
        }
    }

    @Test func aRequestForAnotherOriginIsNeverSent() async throws {
        try await Self.withElsewhere { elsewhere, elsewhereBase in
            try await SimulatedTenant.with(Self.seed, credentials: Self.credentials) { tenant in
                try tenant.simulator.grantConsent(GraphPermission.allGraph)
                for link in ["\(elsewhereBase)/graph/v1.0/users", "http://user@\(elsewhereBase.dropFirst(7))/graph/v1.0/users"] {
                    await #expect(throws: ServiceError.self) {
                        let _: GraphPage<GraphUser> = try await tenant.services.graph.page(link)
                    }
                }
                #expect(elsewhere.requests().isEmpty)
            }
        }
    }

    @Test(arguments: [
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/graph/v1.0/users", true),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080", true),
        ("http://127.0.0.1:8080/graph", "http://127.0.0.1:8080/graph?x=1", true),
        ("https://graph.microsoft.com", "https://GRAPH.microsoft.com:443/v1.0", true),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080@evil.example/graph", false),
        ("http://127.0.0.1:8080", "http://127.0.0.1:80801/graph", false),
        ("http://127.0.0.1:8080", "http://user@127.0.0.1:8080/graph", false),
        ("https://graph.microsoft.com", "http://graph.microsoft.com/v1.0", false),
        ("https://graph.microsoft.com", "https://graph.microsoft.com.evil.example/v1.0", false),
    ])
    func theOneOriginCheckEveryRequestPasses(_ origin: String, _ url: String, _ allowed: Bool) throws {
        let result = ServiceHTTP.isOnOrigin(try #require(URL(string: url)), try #require(URL(string: origin)))
        #expect(result == allowed, "\(url) on \(origin)")
    }

    @Test func echoedRequestsLeaveNoSecretInTheJournalTheErrorsOrTheLogs() async throws {
        let logs = CapturedLogs()
        try await SimulatedTenant.with(Self.seed, credentials: Self.credentials, logger: logs.logger) { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph)
            tenant.updateSPF()
            let token = try await tenant.services.identity.token(for: .graph).value
            // Each echo hits once: the Essentials call (X-Password), the token request (the form
            // with client_secret), a Graph call (the bearer token).
            tenant.simulator.inject(Fault(.essentials, method: "GET", route: "/orgs/{domain}/features", kind: .echo()))
            tenant.simulator.inject(Fault(.identity, method: "POST", route: "/token", kind: .echo()))
            tenant.simulator.inject(Fault(.graph, method: "GET", route: "/servicePrincipals", kind: .echo()))
            tenant.services.identity.invalidate()

            var errors: [String] = []
            var result = try await tenant.engine.start(
                tenant.graph, id: "r", input: tenant.input, options: RunOptions(maxIdleWait: .zero))
            for _ in 0..<4 where result.state == .failed {
                for task in result.tasks where task.state == .failed {
                    errors.append(task.lastError?.message ?? "")
                    try await tenant.engine.retry(task.id, in: "r", actor: "support")
                }
                result = try await tenant.engine.resume("r", graph: tenant.graph, options: ResumeOptions(maxIdleWait: .zero))
            }
            #expect(result.state != .failed, "the run went on once the echoes stopped: \(result.tasks.map { "\($0.id) \($0.state)" })")
            #expect(errors.count == 3, "\(errors)")
            for error in errors {
                #expect(error.contains(SecretRedactor.mark), "the echo carried a secret, and it was replaced: \(error)")
                #expect(error.count < 600, "bounded: \(error)")
            }

            let secrets = [Self.clientSecret, Self.essentialsPassword, token]
            let files = [tenant.journal.path, tenant.journal.path + "-wal", tenant.journal.path + "-shm"]
            for file in files {
                guard let bytes = FileManager.default.contents(atPath: file) else { continue }
                for secret in secrets {
                    #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(file) holds a secret")
                }
            }
            #expect(!logs.lines.isEmpty)
            for line in logs.lines {
                for secret in secrets { #expect(!line.contains(secret), "a log line holds a secret: \(line)") }
            }
            for error in errors {
                for secret in secrets { #expect(!error.contains(secret)) }
            }
        }
    }

    @Test func theClientsSayWhatTheEngineCannotSee() async throws {
        let logs = CapturedLogs()
        try await SimulatedTenant.with(Self.seed, credentials: Self.credentials, logger: logs.logger) { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph)
            tenant.simulator.inject(Fault(.graph, method: "GET", route: "/domains", kind: .throttle(retryAfterSeconds: 1)))
            tenant.simulator.inject(Fault(.graph, method: "GET", route: "/domains", kind: .throttle(retryAfterSeconds: 999)))
            _ = try? await tenant.services.graph.domains()
            let lines = logs.lines
            #expect(lines.contains { $0.contains("token acquired") && $0.contains("graph.microsoft.com") }, "\(lines)")
            #expect(lines.contains { $0.contains("service throttled, waiting") && $0.contains("retry_after_s=1.0") }, "\(lines)")
            #expect(lines.contains { $0.contains("service throttled, retrying later") && $0.contains("retry_after_s=999.0") }, "\(lines)")
            #expect(lines.allSatisfy { $0.contains("tenant.id=") }, "every line names the tenant: \(lines)")
            for line in lines {
                #expect(!line.contains(Self.clientSecret) && !line.contains(Self.essentialsPassword))
            }
        }
    }

    @Test func aTrickledAnswerIsCutOffAtTheDeadline() async throws {
        let limits = ServiceLimits(requestDeadline: .milliseconds(500))
        try await SimulatedTenant.with(limits: limits) { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph)
            // The token first, while nothing trickles; on a loaded machine half a second may not
            // be enough for it, so it is asked again (the trickle below is what is under test).
            var token: AccessToken?
            for _ in 0..<20 where token == nil { token = try? await tenant.services.identity.token(for: .graph) }
            try #require(token != nil, "a token within 20 tries")
            tenant.simulator.inject(
                Fault(
                    .graph, method: "GET", route: "/domains",
                    kind: .trickle(body: String(repeating: " ", count: 1000) + #"{"value":[]}"#, interval: .milliseconds(50)),
                    trigger: .always))
            let started = ContinuousClock.now
            let error = try await #require(throws: ServiceError.self) { _ = try await tenant.services.graph.domains() }
            let elapsed = ContinuousClock.now - started
            #expect(error.code == .transient, "retried by the engine like a dropped connection: \(error)")
            #expect(error.message.contains("within 0.5 s, the limit set by ServiceLimits.requestDeadline"), "\(error)")
            #expect(elapsed < .seconds(15), "three attempts of half a second each (and some load), not 50 s of trickle each: \(elapsed)")
        }
    }

    @Test func anAnswerLargerThanTheCapIsRefused() async throws {
        try await SimulatedTenant.with(limits: ServiceLimits(maxResponseBytes: 1024)) { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph)
            let padding = String(repeating: "x", count: 4096)
            tenant.simulator.inject(
                Fault(.graph, method: "GET", route: "/domains", kind: .answer(body: #"{"value":[],"pad":"\#(padding)"}"#)))
            let error = try await #require(throws: ServiceError.self) { _ = try await tenant.services.graph.domains() }
            #expect(error.code == .invalidResponse)
            #expect(error.message.contains("ServiceLimits.maxResponseBytes"), "\(error)")
        }
    }

    @Test func endlessNextLinksStopAtThePageCap() async throws {
        try await SimulatedTenant.with(limits: ServiceLimits(maxPages: 25)) { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph + [.exchangeManageAsApp])
            tenant.simulator.inject(Fault(.graph, method: "GET", route: "/users", kind: .endlessPages, trigger: .always))
            let graphError = try await #require(throws: ServiceError.self) {
                let _: [GraphUser] = try await tenant.services.graph.all("/users")
            }
            #expect(graphError.code == .limitExceeded)
            #expect(graphError.message.contains("25 pages"), "\(graphError)")
            #expect(tenant.simulator.requestCount(.graph, "GET", "/users") == 25)

            tenant.simulator.inject(Fault(.exchange, route: "Get-InboundConnector", kind: .endlessPages, trigger: .always))
            let exchangeError = try await #require(throws: ServiceError.self) {
                _ = try await tenant.services.exchange.invoke("Get-InboundConnector")
            }
            #expect(exchangeError.code == .limitExceeded, "\(exchangeError)")
            #expect(tenant.simulator.requestCount(.exchange, "POST", "Get-InboundConnector") == 25)
        }
    }

    @Test func anEndlessDirectorySyncFailsWithTheReasonInBoundedTime() async throws {
        try await SimulatedTenant.with(limits: ServiceLimits(maxPages: 40)) { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph)
            tenant.simulator.inject(Fault(.graph, method: "GET", route: "/users/delta", kind: .endlessPages, trigger: .always))
            let result = try await tenant.engine.start(
                tenant.graph, id: "r", input: tenant.input, options: RunOptions(maxIdleWait: .zero))
            let sync = try #require(result.task("first-directory-sync"))
            #expect(sync.state == .failed)
            #expect(sync.lastError?.code == "limitExceeded", "\(String(describing: sync.lastError))")
            #expect(tenant.simulator.requestCount(.graph, "GET", "/users/delta") == 40)
        }
    }

    @Test func aRefusedLinkIsNeverCheckpointedSoRetryFinishesTheSync() async throws {
        try await Self.withPagedTenant { tenant in
            // The second page of users links to another host.
            tenant.simulator.inject(
                Fault(
                    .graph, method: "GET", route: "/users/delta",
                    kind: .answer(body: #"{"value":[],"@odata.nextLink":"https://elsewhere.example/v1.0/users/delta?$skiptoken=x"}"#),
                    trigger: .times(1, after: 1)))
            let failed = try await tenant.engine.start(
                tenant.graph, id: "r", input: tenant.input, options: RunOptions(maxIdleWait: .zero))
            let sync = try #require(failed.task("first-directory-sync"))
            #expect(sync.state == .failed)
            #expect(sync.lastError?.code == "invalidResponse")
            let saved = try #require(try await tenant.journal.journal.checkpoint(run: "r", task: "first-directory-sync"))
            let text = String(decoding: saved, as: UTF8.self)
            #expect(!text.contains("elsewhere"), "the checkpoint keeps the last good cursor: \(text)")
            #expect(text.contains("skiptoken"), "…which is the second page's: \(text)")

            // A plain retry (not retry --from) finishes the sync from that page.
            try await tenant.engine.retry("first-directory-sync", in: "r", actor: "support")
            let resumed = try await tenant.engine.resume("r", graph: tenant.graph, options: ResumeOptions(maxIdleWait: .zero))
            let output = try #require(try resumed.task("first-directory-sync")?.decodeOutput(as: FirstDirectorySync.Output.self))
            #expect(output.users == 25)
            #expect(tenant.simulator.requestCount(.graph, "GET", "/users/delta") == 4, "page 1 was not fetched again")
        }
    }

    @Test func anExpiredSyncLinkRestartsTheSyncWhateverGraphCallsIt() async throws {
        try await Self.withPagedTenant { tenant in
            // Graph answers the second page with 410 and a code other than syncStateNotFound.
            tenant.simulator.inject(
                Fault(
                    .graph, method: "GET", route: "/users/delta",
                    kind: .answer(status: 410, body: #"{"error":{"code":"resyncRequired","message":"Resync required."}}"#),
                    trigger: .times(1, after: 1)))
            let result = try await tenant.engine.start(
                tenant.graph, id: "r", input: tenant.input, options: RunOptions(maxIdleWait: .seconds(5)))
            let output = try #require(try result.task("first-directory-sync")?.decodeOutput(as: FirstDirectorySync.Output.self))
            #expect(output.users == 25, "counted once")
            #expect(tenant.simulator.requestCount(.graph, "GET", "/users/delta") == 5, "started over: 1, 410, then 1, 2, 3")
        }
    }

    @Test func aSavedCursorForAnotherEndpointRestartsTheListing() async throws {
        try await Self.withPagedTenant { tenant in
            // A checkpoint saved before cursors were checked, or by a simulator on another port.
            let stale = FirstDirectorySync.Checkpoint(
                usersNext: "http://127.0.0.1:1/graph/v1.0/users/delta?$skiptoken=old", groupsNext: nil,
                progress: .init(users: 10, usersImported: 10, groups: 4, members: 9))
            let failed = try await tenant.engine.start(
                tenant.graph, id: "r", input: tenant.input,
                options: RunOptions(maxIdleWait: .zero))
            #expect(failed.state != .running)
            try await tenant.engine.retry(from: "first-directory-sync", in: "r", actor: "support")
            try await tenant.journal.journal.saveCheckpoint(
                run: "r", task: "first-directory-sync", try JSONEncoder().encode(stale).map { $0 }, at: Date())
            let resumed = try await tenant.engine.resume("r", graph: tenant.graph, options: ResumeOptions(maxIdleWait: .zero))
            let output = try #require(try resumed.task("first-directory-sync")?.decodeOutput(as: FirstDirectorySync.Output.self))
            #expect(output.users == 25, "counted once, from the start, not 10 + 25")
            #expect(output.groups == 4)
        }
    }

    @Test(arguments: [
        ("999999999", true), ("9223372036854775807", true), ("99999999999999999999999", true), ("-5", false),
        ("soon", false), ("", false),
    ])
    func aServersRetryAfterIsClampedToTheRetryPolicy(_ header: String, _ honoured: Bool) async throws {
        try await SimulatedTenant.with { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph)
            tenant.simulator.inject(
                Fault(
                    .graph, method: "GET", route: "/domains",
                    kind: .answer(status: 429, body: #"{"error":{"code":"TooManyRequests","message":"slow down"}}"#, headers: ["Retry-After": header]),
                    trigger: .always))
            let error = try await #require(throws: ServiceError.self) { _ = try await tenant.services.graph.domains() }
            #expect(error.code == .transient)
            if honoured {
                #expect(error.retryAfter == .seconds(86_400), "at most a day at the client: \(String(describing: error.retryAfter))")
            } else {
                #expect(error.retryAfter == nil, "garbage falls back to backoff")
            }
            // The engine schedules import-domains' next attempt within its policy's maximum delay (300 s).
            let started = Date()
            let parked = try await tenant.engine.start(
                tenant.graph, id: "r", input: tenant.input, options: RunOptions(maxIdleWait: .zero))
            let next = try #require(parked.task("import-domains")?.nextAttemptAt)
            #expect(next.timeIntervalSince(started) <= 300 * 1.2 + 5, "clamped: \(next)")
        }
    }

    @Test func aRetryAfterDateIsHonoured() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        var headers = HTTPAnswer(status: 429, headers: [:], body: [], receivedAt: now)
        headers.headers.add(name: "Retry-After", value: "Fri, 15 Jan 2027 08:01:40 GMT")
        #expect(headers.retryAfter == .seconds(100))
        headers.headers.replaceOrAdd(name: "Retry-After", value: "Fri, 15 Jan 2027 07:00:00 GMT")
        #expect(headers.retryAfter == nil, "a past date falls back to backoff")
    }

    @Test func theRedactorRemovesKnownAndSecretLookingValues() {
        let redactor = SecretRedactor(secrets: ["s3cr/et+value", ""])
        redactor.remember("eyJhbGciOiJIUzI1NiJ9.eyJyb2xlcyI6W119.c2ln")
        let text = redactor.excerpt(
            """
            client_id=app&client_secret=s3cr%2Fet%2Bvalue&grant_type=client_credentials
            {"password": "hunter two", "x": "s3cr\\/et+value"} X-Password: letmein
            Authorization: Bearer abc.def.ghi and a JWT eyJhbGciOiJIUzI1NiJ9.eyJyb2xlcyI6W119.c2ln
            client_assertion=eyJ0eXAiOiJKV1QifQ.e30.sig
            """)
        for leaked in ["s3cr", "hunter", "letmein", "abc.def", "eyJ", "sig"] {
            #expect(!text.contains(leaked), "\(leaked) in \(text)")
        }
        #expect(text.contains("client_id=app"), "the rest stays readable: \(text)")
        let long = redactor.excerpt(String(repeating: "a", count: 10_000))
        #expect(long.count <= 301)
    }
}

/// A log handler that keeps every line it is given, as `level message key=value …`, the
/// logger's own metadata included. Copies share the lines.
struct CapturedLogs: LogHandler, Sendable {
    private final class Lines: Sendable {
        let storage = Mutex<[String]>([])
    }

    private let captured = Lines()
    var lines: [String] { captured.storage.withLock { $0 } }
    /// A logger at `trace` whose lines land here.
    var logger: Logger { Logger(label: "captured", factory: { _ in self }) }
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        let fields = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let error = event.error.map { " error=\($0)" } ?? ""
        captured.storage.withLock { $0.append("\(event.level) \(event.message) \(fields)\(error)") }
    }
}
