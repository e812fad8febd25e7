import AsyncHTTPClient
import EssentialsOnboarding
import Foundation
import Logging
import OnboardingEngine
import TenantSimulator

/// The demo's Microsoft 365 tenant and Essentials organization: a ``Simulator`` in this
/// process whose world is kept in a file next to the journal (for a PostgreSQL journal, in the
/// user's state folder: ``JournalLocation/demoFolder``), so the tenant outlives a crash and
/// any later `onboard` command on the run (resume, retry, confirm, plan) meets it as it was.
struct DemoTenant: Sendable {
    /// What a demo run journals about its tenant (nothing secret: the simulator's credentials are
    /// derived from its configuration in each process).
    struct Settings: Codable, Sendable, Hashable {
        /// The simulator's state file.
        var stateFile: String
        /// The seed the tenant's ids, users and groups derive from.
        var seed: UInt64
        /// How many users and groups the tenant has.
        var users: Int
        var groups: Int
        /// How long grants take to replicate and propagate, in seconds (the real cloud takes minutes).
        var propagationSeconds: Double
        /// The manual steps the demo's admin does by themselves.
        var admin: [DemoAdmin.Action]

        /// These settings with a state file journaled by name (since runs journal it so) found in
        /// `folder`, the journal's demo folder (``JournalLocation/demoFolder``: beside a journal
        /// file); an absolute path (older runs) is kept.
        func resolved(in folder: URL) -> Settings {
            guard !stateFile.hasPrefix("/") else { return self }
            var settings = self
            settings.stateFile = folder.appendingPathComponent(stateFile).path
            return settings
        }

        /// Throws unless the tenant's state file exists, before anything is written for the run.
        func requireStateFile() throws {
            guard FileManager.default.fileExists(atPath: stateFile) else {
                throw SimulatorError(.stateFile, "There is no simulator state file at \(stateFile).")
            }
        }
    }

    /// The Essentials organization the demo onboards.
    static let organization = "contoso.com"

    /// Retries fast enough to watch, so a demo finishes in seconds. Conditions are re-checked
    /// less often than ``maxIdleWait``, so a run waiting on a person's change parks (and the demo's
    /// admin gets their turn) instead of polling in the process.
    static let onboardingConfiguration = OnboardingConfiguration(
        consentRecheck: .seconds(20), replicationRetry: .milliseconds(500), spfRecheck: .seconds(20),
        exchangeRetry: RetryPolicy(
            maxAttempts: 20, initialDelay: .milliseconds(500), multiplier: 1.5, maxDelay: .seconds(2)),
        mxRecheck: .seconds(20))

    /// How long a demo run waits in-process for a retry before parking.
    static let maxIdleWait: Duration = .seconds(8)

    let settings: Settings
    let simulator: Simulator
    let endpoints: ServiceEndpoints
    let services: OnboardingServices

    /// The credentials the simulated application and Essentials accept: the simulator's own
    /// made-up ones, in memory only.
    static func credentials(_ configuration: SimulatorConfiguration) -> OnboardingCredentials {
        let admin = configuration.essentials.credentials[0]
        return OnboardingCredentials(
            clientID: configuration.application.clientId, clientSecret: configuration.application.clientSecret,
            essentialsUser: admin.user, essentialsPassword: admin.password)
    }

    /// The simulator configuration `settings` describe.
    static func simulatorConfiguration(_ settings: Settings) -> SimulatorConfiguration {
        var configuration = SimulatorConfiguration()
        configuration.seed = settings.seed
        configuration.tenants = [
            TenantSeed(name: "contoso", seed: settings.seed, userCount: settings.users, groupCount: settings.groups)
        ]
        let propagation = Duration.milliseconds(Int64(settings.propagationSeconds * 1000))
        configuration.timings.servicePrincipalReplicationLag = propagation
        configuration.timings.exchangePropagationDelay = propagation
        return configuration
    }

    /// The run input for a new demo run against this tenant.
    var runInput: M365Host.RunInput {
        get throws {
            var input = M365Host.RunInput(
                OnboardingInput(tenantID: try simulator.tenantId(), essentialsOrg: Self.organization, syncFrequencyHours: 12),
                endpoints: endpoints)
            input.demo = settings
            return input
        }
    }

    /// The graph of `workflow` (by default the onboarding) against this tenant; `failing` tasks
    /// fail for good in this process (`demo --fail`).
    func graph(workflow: String = EssentialsWorkflow.name, failing: Set<TaskID> = []) throws -> TaskGraph {
        guard workflow == EssentialsWorkflow.name else {
            return try M365Host.graph(workflow, services: services, configuration: Self.onboardingConfiguration)
        }
        let tasks = EssentialsWorkflow.tasks(services: services, configuration: Self.onboardingConfiguration)
        return try TaskGraph(
            workflow: EssentialsWorkflow.name,
            tasks: tasks.map { failing.contains($0.id) ? failingForGood($0) : $0 })
    }

    /// The demo's admin, acting in this tenant.
    var admin: DemoAdmin { DemoAdmin(tenant: self) }

    /// Starts the tenant described by `settings` (restoring its state file, or creating it when
    /// `creating`), runs `body` while it serves on loopback, then stops it.
    ///
    /// - Throws: ``SimulatorError`` when the state file is missing (and not `creating`), belongs
    ///   to another tenant or is damaged: a demo run never meets a fresh tenant by mistake.
    static func run<Result: Sendable>(
        _ settings: Settings, creating: Bool = false, _ body: (DemoTenant) async throws -> Result
    ) async throws -> Result {
        let configuration = simulatorConfiguration(settings)
        let simulator = try Simulator(
            configuration: configuration, stateFile: settings.stateFile, createIfMissing: creating,
            logger: Logger(label: "demo-tenant", factory: { _ in SwiftLogNoOpLogHandler() }))
        return try await simulator.withRunning { bound in
            let endpoints = ServiceEndpoints.simulator(at: URL(string: bound.base)!, dnsPort: bound.dnsPort)
            let services = try OnboardingServices(
                endpoints: endpoints, credentials: credentials(configuration),
                tenantID: try simulator.tenantId(), exchangePropagationRetry: .milliseconds(500))
            return try await body(
                DemoTenant(settings: settings, simulator: simulator, endpoints: endpoints, services: services))
        }
    }
}
