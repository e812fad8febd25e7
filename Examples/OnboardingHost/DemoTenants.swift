import EssentialsOnboarding
import Foundation
import Logging
import OnboardingEngine
import TenantSimulator

/// The simulated tenants of the demo runs `onboard serve` drives: each is started once from its
/// state file and kept serving (on loopback) while `serve` runs; its admin does the manual steps
/// the run's demo settings list, as `onboard demo` does.
actor DemoTenants {
    /// Where the journal's demo runs keep their tenants' state files (``JournalLocation/demoFolder``).
    let demoFolder: URL
    /// Each tenant's start, kept from the first call so concurrent callers share one simulator.
    private var tenants: [String: Task<DemoTenant, any Error>] = [:]
    private var servers: [Task<Void, any Error>] = []
    private var done: Set<String> = []

    /// Tenants of the demo runs whose state files are in `demoFolder`.
    init(demoFolder: URL) {
        self.demoFolder = demoFolder
    }

    /// The demo tenant `settings` describe, started on first use.
    func tenant(for settings: DemoTenant.Settings) async throws -> DemoTenant {
        if let starting = tenants[settings.stateFile] { return try await starting.value }
        let starting = Task { try await start(settings) }
        tenants[settings.stateFile] = starting
        do {
            return try await starting.value
        } catch {
            tenants[settings.stateFile] = nil  // a later call may try again (the file restored, say)
            throw error
        }
    }

    private func start(_ settings: DemoTenant.Settings) async throws -> DemoTenant {
        try settings.requireStateFile()
        let configuration = DemoTenant.simulatorConfiguration(settings)
        let simulator = try Simulator(
            configuration: configuration, stateFile: settings.stateFile, createIfMissing: false,
            logger: Logger(label: "demo-tenant", factory: { _ in SwiftLogNoOpLogHandler() }))
        let (ready, continuation) = AsyncStream<SimulatorEndpoints>.makeStream()
        servers.append(Task { try await simulator.run(onReady: { continuation.yield($0) }) })
        var iterator = ready.makeAsyncIterator()
        guard let bound = await iterator.next() else {
            throw SimulatorError(.stateFile, "The demo tenant of \(settings.stateFile) could not be started.")
        }
        let endpoints = ServiceEndpoints.simulator(at: URL(string: bound.base)!, dnsPort: bound.dnsPort)
        let services = try OnboardingServices(
            endpoints: endpoints, credentials: DemoTenant.credentials(configuration), tenantID: try simulator.tenantId(),
            exchangePropagationRetry: .milliseconds(500))
        return DemoTenant(settings: settings, simulator: simulator, endpoints: endpoints, services: services)
    }

    /// When a demo run parks on a step its admin does, does it (once per step and process) and
    /// tells the run: a confirmation for a person's step, a re-check for a condition.
    func playAdmin(run: RunID, engine: Engine) async {
        guard let record = try? await engine.run(run), record.workflow == EssentialsWorkflow.name,
            let settings = (try? HostRegistry.input(of: record, demoFolder: demoFolder))?.demo,
            let tasks = try? await engine.tasks(of: run)
        else { return }
        for task in tasks where task.state == .waiting {
            guard let action = DemoAdmin.Action(task: task.id), settings.admin.contains(action),
                done.insert("\(run)/\(action)").inserted
            else { continue }
            do {
                try await tenant(for: settings).admin.perform(action, park: task.park)
                if task.park?.kind == .person {
                    try await engine.confirm(task.id, in: run, actor: "demo-admin", note: "done in the demo tenant")
                } else {
                    try await engine.signal(task.id, in: run, actor: "demo-admin", note: "done in the demo tenant")
                }
            } catch {
                print("demo admin of \(run): \(ExitStatus.failure(for: error).message)")
            }
        }
    }

    /// Stops every demo tenant.
    func stop() {
        for server in servers { server.cancel() }
        servers.removeAll()
    }
}
