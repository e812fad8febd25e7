import ArgumentParser
import EssentialsOnboarding
import Foundation
import Hummingbird
import Logging
import NIOCore
import OnboardingEngine
import ServiceLifecycle

/// `onboard serve`: the worker. Drives every run in the journal — runs queued with
/// `onboard start --no-wait`, runs a person parked, retried or confirmed, demo runs — until
/// SIGTERM or SIGINT, then drains: running attempts finish (up to `--drain-seconds`), each run is
/// given back for the next `serve` to continue at once, and the process exits 0.
///
/// With `--http-port`, it also answers the admin-consent redirect at `/consent/callback` (give
/// `onboard start` that URL as `--consent-redirect-uri`), on loopback unless `--bind` says otherwise.
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
    @Option(help: "The address the consent callback listens on.") var bind: String = "127.0.0.1"
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
                let callback = ConsentCallback(engine: engine)
                services.append(
                    Application(
                        router: callback.router(),
                        configuration: .init(address: .hostname(bind, port: httpPort), serverName: nil),
                        onServerRunning: { channel in
                            let port = channel.localAddress?.port ?? httpPort
                            print("Consent callback: http://\(bind):\(port)/consent/callback")
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
}
