import ArgumentParser
import Foundation
import Logging
import TenantSimulator

/// `onboard simulator`: runs the TenantSimulator on its own and prints its base URLs, so
/// `onboard` (or anything else) can be pointed at it from another terminal.
struct SimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulator",
        abstract: "Run the Microsoft 365 and Essentials simulator on loopback until interrupted.",
        discussion: "It prints the base URL of each service and the DNS port; Ctrl-C stops it. See Docs/TenantSimulator.md.")

    @Option(help: "The HTTP port (0 picks a free one).") var port: Int = 0
    @Option(help: "The DNS (UDP) port (0 picks a free one).") var dnsPort: Int = 0
    @Option(help: "The seed the tenant's ids, users and groups derive from.") var seed: UInt64 = 1
    @Option(help: "How many users the seeded tenant has.") var users: Int = 25
    @Option(help: "How many groups the seeded tenant has.") var groups: Int = 4
    @Option(help: "A certificate (PEM file) to register on the application, for certificate sign-in (repeatable).")
    var certificate: [String] = []
    @Option(help: "Keep the simulated world in this file: restored at start, saved after every change.")
    var state: String?

    func validate() throws {
        guard (0...65_535).contains(port), (0...65_535).contains(dnsPort) else {
            throw ValidationError("Ports must be between 0 and 65535.")
        }
        guard users >= 0, groups >= 0 else { throw ValidationError("--users and --groups cannot be negative.") }
    }

    func run() async throws {
        var configuration = SimulatorConfiguration()
        configuration.httpPort = port
        configuration.dnsPort = dnsPort
        configuration.seed = seed
        configuration.tenants = [TenantSeed(name: "contoso", seed: seed, userCount: users, groupCount: groups)]
        configuration.application.certificates = try certificate.map { try String(contentsOfFile: $0, encoding: .utf8) }
        let logger = Logger(label: "simulator")
        let simulator =
            try state.map { try Simulator(configuration: configuration, stateFile: $0, logger: logger) }
            ?? Simulator(configuration: configuration, logger: logger)
        let application = configuration.application
        try await simulator.run(onReady: { endpoints in
            print("""
                TenantSimulator is running (Ctrl-C stops it).
                  tenant:      \((try? simulator.tenantId()) ?? "?")
                  login:       \(endpoints.login)
                  graph:       \(endpoints.graph)
                  exchange:    \(endpoints.exchange)
                  essentials:  \(endpoints.essentials)
                  inspection:  \(endpoints.inspection)/state
                  dns:         127.0.0.1:\(endpoints.dnsPort ?? 0) (udp)
                  client id:   \(application.clientId)
                Its made-up secrets are in Docs/TenantSimulator.md (\"Starting it\"); pass them to hosts through the environment.
                """)
            fflush(nil)
        })
    }
}
