import ArgumentParser
import EssentialsOnboarding
import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import OnboardingConsole
import OnboardingEngine
import ServiceLifecycle

/// `onboard serve`: the worker. Drives every run in the journal — runs queued with
/// `onboard start --no-wait`, runs a person parked, retried or confirmed, demo runs — until
/// SIGTERM or SIGINT, then drains: running attempts finish (up to `--drain-seconds`), each run is
/// given back for the next `serve` to continue at once, and the process exits 0.
///
/// With `--http-port`, it also answers the admin-consent redirect at `/consent/callback` (give
/// `onboard start` that URL as `--consent-redirect-uri`), on loopback unless `--bind` says otherwise;
/// with `--users FILE` also the support console's API (``SupportConsole``, `/api/…`). Off loopback it
/// needs TLS (`--tls-certificate`, `--tls-key`).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the worker: drive every run in the journal until SIGTERM.",
        discussion: """
            Credentials for `onboard start` runs come from the environment (or ONBOARD_CREDENTIALS_FILE), as for \
            start. confirm, signal, cancel, retry and skip from other shells reach the runs this worker drives \
            within a second or two. See Docs/RunningAWorker.md.

            \(ExitStatus.helpText)
            """)

    @OptionGroup var journalOption: JournalOption
    @Option(help: "Answer the admin-consent redirect on this port (/consent/callback); 0 picks a free one.")
    var httpPort: Int?
    @Option(help: "The address the consent callback and the console listen on; off loopback only with TLS.")
    var bind: String = "127.0.0.1"
    @Option(help: "Serve the support console's API (/api/…) to the users of this file (onboard console add-user).")
    var users: String?
    @Option(help: "Serve HTTPS with this certificate chain (PEM); needs --tls-key.") var tlsCertificate: String?
    @Option(help: "The private key (PEM) of --tls-certificate; readable by its owner only.") var tlsKey: String?
    @Option(help: "On SIGTERM, how long running attempts may take to finish before they are interrupted.")
    var drainSeconds: Int = 30
    @Option(help: "The most runs executing at once.") var maxRuns: Int = 64
    @Option(help: "Park a run once nothing can run for this many seconds (its timer brings it back).")
    var maxIdleSeconds: Int = 5
    @Option(help: "Check every succeeded run for drift this often (e.g. 24h, 30m) and journal what is found.")
    var driftEvery: String?
    @Option(help: "Fail a task after the process stopped this many times in a row while it ran (a crash loop).")
    var maxConsecutiveCrashes: Int = 3
    @Option(help: "Log level on stderr: trace, debug, info, notice, warning, error.") var logLevel: String = "info"

    func validate() throws {
        if let httpPort, !(0...65_535).contains(httpPort) {
            throw ValidationError("--http-port must be between 0 and 65535.")
        }
        if (tlsCertificate == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-certificate and --tls-key go together.")
        }
        if users != nil && httpPort == nil { throw ValidationError("--users serves the console: give --http-port too.") }
        if drainSeconds < 0 || maxIdleSeconds < 0 {
            throw ValidationError("--drain-seconds and --max-idle-seconds must not be negative.")
        }
        if maxRuns < 1 || maxConsecutiveCrashes < 1 {
            throw ValidationError("--max-runs and --max-consecutive-crashes must be at least 1.")
        }
        if let driftEvery, PruneCommand.age(driftEvery).map({ $0 > 0 }) != true {
            throw ValidationError("--drift-every must be a duration such as 24h, 30m or 7d.")
        }
        if Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error.")
        }
    }

    func run() async throws {
        // Checked here, not in validate(), so the refusal is one line (exit 64) rather than the usage.
        if httpPort != nil && tlsCertificate == nil && !Self.isLoopback(bind) {
            throw ValidationFailure(
                "--bind \(bind) is not a loopback address: serve it with TLS (--tls-certificate and --tls-key), or bind to 127.0.0.1 behind a TLS proxy.")
        }
        var logger = Logger(label: "onboard.serve", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        // Created when missing: the worker comes first.
        try await journalOption.withJournal(.creating, logger: logger) { journal in
            let engine = journal.engine(
                configuration: EngineConfiguration(maxConsecutiveCrashes: maxConsecutiveCrashes, actor: "worker"),
                logger: logger)
            let demoTenants = DemoTenants(demoFolder: journal.demoFolder)
            let registry = HostRegistry.make(demoFolder: journal.demoFolder, demoTenants: demoTenants)
            let worker = OnboardingWorker(
                engine: engine, registry: registry,
                configuration: .init(
                    maxConcurrentRuns: maxRuns, maxIdleWait: .seconds(maxIdleSeconds),
                    drainDeadline: .seconds(drainSeconds)),
                logger: logger)
            var services: [any Service] = [worker]
            if let every = driftEvery.flatMap(PruneCommand.age) {
                services.append(
                    DriftMonitor(engine: engine, registry: registry, interval: .seconds(every), logger: logger))
            }
            if let httpPort {
                // Knows each client's address, for the console's sign-in limit.
                let router = Router(context: ConsoleRequestContext.self)
                router.add(middleware: SecurityHeadersMiddleware())
                ConsentCallback(engine: engine).addRoutes(to: router)
                if let users {
                    var settings = SupportConsole.Configuration()
                    settings.secureCookies = tlsCertificate != nil
                    SupportConsole(
                        engine: engine, host: HostConsole(journal: journal, registry: registry),
                        users: try UserDirectory.load(path: users), configuration: settings, logger: logger
                    ).addRoutes(to: router)
                }
                let scheme = tlsCertificate == nil ? "http" : "https"
                let console = users != nil
                services.append(
                    Application(
                        router: router,
                        server: try tlsConfiguration().map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1(),
                        configuration: .init(address: .hostname(bind, port: httpPort), serverName: nil),
                        onServerRunning: { channel in
                            let port = channel.localAddress?.port ?? httpPort
                            print("Consent callback: \(scheme)://\(bind):\(port)/consent/callback")
                            if console {
                                print("Support console: \(scheme)://\(bind):\(port)/api/runs")
                                print("Support console pages: \(scheme)://\(bind):\(port)/runs")
                            }
                        },
                        logger: logger))
            }
            print("Serving \(journal.location) as \(engine.configuration.ownerID); stop with SIGTERM or Ctrl-C.")
            let group = ServiceGroup(
                configuration: .init(
                    services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint],
                    logger: logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask {
                    // The demo tenants' admin acts when a demo run parks on one of their steps.
                    for await event in engine.events() {
                        if case .runParked = event.kind {
                            await demoTenants.playAdmin(run: event.runID, engine: engine)
                        }
                    }
                }
                try await group.run()
                tasks.cancelAll()
            }
            await demoTenants.stop()
        }
        print("Stopped: every run was given back to the journal.")
    }

    /// Whether `address` is a loopback address (or `localhost`).
    static func isLoopback(_ address: String) -> Bool {
        address == "localhost" || address == "::1" || address == "[::1]" || address.hasPrefix("127.")
    }

    /// The TLS settings from `--tls-certificate` and `--tls-key`; `nil` for plain HTTP on loopback.
    private func tlsConfiguration() throws -> TLSConfiguration? {
        guard let tlsCertificate, let tlsKey else { return nil }
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(tlsCertificate).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: tlsKey, format: .pem)
            var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
            tls.minimumTLSVersion = .tlsv12
            return tls
        } catch {
            throw ValidationFailure(
                "Cannot use --tls-certificate \(tlsCertificate) and --tls-key \(tlsKey): they are not a PEM certificate chain and its private key.")
        }
    }
}
