import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix

/// A loopback stand-in for Microsoft 365 (identity platform, Graph, Exchange Online admin API) and Proofpoint
/// Essentials, plus a UDP DNS server for SPF lookups. One HTTP server routes by path prefix (`/login`,
/// `/graph`, `/exchange`, `/essentials`, `/_simulator`); see ``SimulatorEndpoints``.
///
/// Run it in the swift-service-lifecycle style with ``run()`` (until cancelled), or scoped:
///
/// ```swift
/// try await Simulator.withRunning { simulator, endpoints in
///     simulator.inject(Fault(.graph, route: "/users", kind: .throttle(retryAfterSeconds: 1)))
///     // point a client at endpoints.graph, endpoints.login, …
///     let snapshot = simulator.snapshot()
/// }
/// ```
///
/// All in-process methods are synchronous, thread-safe and see the same state the servers serve.
public struct Simulator: Sendable {
    /// The configuration the simulator started from.
    public let configuration: SimulatorConfiguration
    let core: SimulatorCore
    let logger: Logger

    /// A simulator; nothing listens until ``run()``.
    ///
    /// - Parameters:
    ///   - configuration: what to seed and where to listen.
    ///   - logger: where request and lifecycle messages go (debug level for requests).
    public init(configuration: SimulatorConfiguration = .default, logger: Logger = Logger(label: "TenantSimulator")) {
        self.configuration = configuration
        self.core = SimulatorCore(configuration: configuration)
        self.logger = logger
    }

    /// A simulator whose world outlives its process: restored from `stateFile` when the file
    /// exists, and saved there after every change, before the change is answered. A host killed
    /// at any moment and started again with the same configuration and file meets the same
    /// tenants: consent granted, domains imported, connectors created. (The `onboard` demo keeps
    /// its tenant this way, so `onboard resume` after a crash finds it as it was.)
    ///
    /// The file holds what changed (grants, connectors, rules, Essentials settings, DNS records,
    /// the simulated clock's offset); what the configuration determines (seeded users and groups,
    /// ids, credentials) is derived again. Faults and the request log are not kept.
    ///
    /// - Parameters:
    ///   - configuration: what to seed and where to listen; must match the one the file was saved with.
    ///   - stateFile: the file's path; created (mode 0600) when missing, if `createIfMissing`.
    ///   - createIfMissing: whether a missing file starts a fresh world (else it is an error, so a
    ///     host resuming a tenant never meets a new one by mistake).
    ///   - logger: the logger.
    /// - Throws: ``SimulatorError`` with code ``SimulatorError/Code/stateFile`` when the file is
    ///   missing (and not `createIfMissing`), is not a state file, is damaged, or was saved for
    ///   another seed, other tenants or other organizations; the file is then left untouched.
    public init(
        configuration: SimulatorConfiguration, stateFile: String, createIfMissing: Bool = true,
        logger: Logger = Logger(label: "TenantSimulator")
    ) throws {
        if !createIfMissing && !FileManager.default.fileExists(atPath: stateFile) {
            throw SimulatorError(.stateFile, "There is no simulator state file at \(stateFile).")
        }
        self.configuration = configuration
        self.core = try SimulatorCore(configuration: configuration, stateFile: StateFile(path: stateFile, logger: logger))
        self.logger = logger
    }

    /// Where the servers listen, once ``run()`` has bound them; `nil` before.
    public var endpoints: SimulatorEndpoints? { core.endpoints.withLock { $0 } }

    /// Runs the HTTP and DNS servers until the task is cancelled.
    ///
    /// - Throws: ``SimulatorError`` with code ``SimulatorError/Code/startFailed`` when a port cannot be bound.
    public func run() async throws {
        try await run(onReady: { _ in })
    }

    /// Runs the servers until the task is cancelled, calling `onReady` once both listen.
    ///
    /// - Parameter onReady: receives the bound endpoints (for `onboard simulator` to print them, say).
    /// - Throws: ``SimulatorError`` when a port cannot be bound.
    public func run(onReady: @escaping @Sendable (SimulatorEndpoints) async -> Void) async throws {
        let dnsChannel: (any Channel)?
        if configuration.dnsEnabled {
            do {
                let core = self.core
                // No SO_REUSEADDR: on Linux it lets port 0 hand out a UDP port another simulator
                // already has, and its queries would then reach the wrong one.
                dnsChannel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(
                                DNSServerHandler(lookup: { core.dnsLookup($0, type: $1) }))
                        }
                    }
                    .bind(host: configuration.host, port: configuration.dnsPort).get()
            } catch {
                throw SimulatorError(
                    .startFailed,
                    "Could not bind the DNS server to \(configuration.host):\(configuration.dnsPort): \(error)")
            }
        } else {
            dnsChannel = nil
        }
        // Hummingbird logs every connection cut by cancellation as an error; that is how the simulator stops,
        // so its own messages are shown only when the caller asks for debug output.
        var serverLogger = logger
        if logger.logLevel > .debug { serverLogger.logLevel = .critical }
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            responder: SimulatorResponder(core: core, maximumBodySize: configuration.maximumBodySize),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.httpPort), serverName: "TenantSimulator"),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: serverLogger)
        defer { dnsChannel?.close(promise: nil) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { portContinuation.finish() }
                try await app.run()
            }
            if let dnsChannel {
                group.addTask {
                    try await withTaskCancellationHandler {
                        try await dnsChannel.closeFuture.get()
                    } onCancel: {
                        dnsChannel.close(promise: nil)
                    }
                }
            }
            var iterator = ports.makeAsyncIterator()
            if let port = await iterator.next() {
                let endpoints = SimulatorEndpoints(
                    host: configuration.host, httpPort: port, dnsPort: dnsChannel?.localAddress?.port)
                core.endpoints.withLock { $0 = endpoints }
                core.world.withLock { $0.baseURL = endpoints.base }
                logger.info(
                    "simulator listening",
                    metadata: [
                        "simulator.base": "\(endpoints.base)", "simulator.dns.port": "\(endpoints.dnsPort ?? 0)",
                    ])
                await onReady(endpoints)
            }
            // Either server ending (cancellation or failure) ends both.
            do {
                try await group.next()
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
        }
    }

    /// Starts a simulator, runs `body` with it, and stops it when `body` returns or throws.
    ///
    /// - Parameters:
    ///   - configuration: what to seed and where to listen.
    ///   - logger: the logger.
    ///   - body: receives the running simulator and its endpoints.
    /// - Returns: what `body` returns.
    public static func withRunning<Result: Sendable>(
        configuration: SimulatorConfiguration = .default, logger: Logger = Logger(label: "TenantSimulator"),
        _ body: (Simulator, SimulatorEndpoints) async throws -> Result
    ) async throws -> Result {
        let simulator = Simulator(configuration: configuration, logger: logger)
        return try await simulator.withRunning { endpoints in try await body(simulator, endpoints) }
    }

    /// Runs this simulator's servers while `body` runs, and stops them when it returns or throws.
    ///
    /// - Parameter body: receives the bound endpoints.
    /// - Returns: what `body` returns.
    public func withRunning<Result: Sendable>(_ body: (SimulatorEndpoints) async throws -> Result) async throws
        -> Result
    {
        let simulator = self
        return try await withThrowingTaskGroup(of: Void.self) { group in
            let (ready, readyContinuation) = AsyncStream<SimulatorEndpoints>.makeStream()
            group.addTask {
                defer { readyContinuation.finish() }
                try await simulator.run(onReady: { readyContinuation.yield($0) })
            }
            var iterator = ready.makeAsyncIterator()
            guard let endpoints = await iterator.next() else {
                try await group.next()
                throw SimulatorError(.startFailed, "The simulator stopped before it was ready.")
            }
            do {
                let result = try await body(endpoints)
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }
}
