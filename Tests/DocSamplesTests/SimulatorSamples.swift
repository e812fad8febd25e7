import EssentialsOnboarding
import Logging
import Testing
import TenantSimulator

// Docs/TenantSimulator.md's samples, compiled.

/// "Starting it".
func startingTheSimulator(logger: Logger) async throws {
    // Scoped: starts both servers, runs the body, stops them.
    try await Simulator.withRunning { simulator, endpoints in
        print(endpoints.graph)      // http://127.0.0.1:54321/graph
        print(endpoints.dnsPort!)   // UDP port of the DNS server
    }

    // Service-lifecycle style, e.g. for `onboard simulator`: runs until the task is cancelled.
    let simulator = Simulator(configuration: .default, logger: logger)
    try await simulator.run(onReady: { endpoints in print(endpoints.base) })
}

/// "State files".
func aSimulatorWithAStateFile(configuration: SimulatorConfiguration, logger: Logger) async throws {
    let simulator = try Simulator(configuration: configuration, stateFile: "contoso.tenant.json", logger: logger)
    try await simulator.withRunning { endpoints in print(endpoints.base) }
}

/// "Scripted faults".
func scriptingFaults(simulator: Simulator) {
    // The next two GET /users are throttled.
    simulator.inject(Fault(.graph, method: "GET", route: "/users", kind: .throttle(retryAfterSeconds: 3), trigger: .times(2)))
    // Every Exchange cmdlet fails with 503 half of the time (seeded by configuration.seed).
    let id = simulator.inject(Fault(.exchange, kind: .serviceUnavailable(), trigger: .probability(0.5)))
    simulator.removeFault(id)
}

/// "Inspection": proving idempotency.
func provingIdempotency(simulator: Simulator, services: OnboardingServices) async throws {
    for _ in 0..<3 { _ = try? await services.exchange.invoke("New-InboundConnector", ["Name": "Essentials Inbound"]) }
    let tenant = simulator.snapshot().tenants[0]
    #expect(tenant.inboundConnectors.count == 1)
    #expect(simulator.requestCount(.exchange, "POST", "New-InboundConnector") == 3)
}
