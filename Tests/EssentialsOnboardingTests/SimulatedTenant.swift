import AsyncHTTPClient
import EssentialsOnboarding
import Foundation
import Logging
import OnboardingEngine
import OnboardingEngineTesting
import TenantSimulator

/// A running simulator, the real clients pointed at it over loopback HTTP and DNS, and an engine
/// with a temporary journal: everything an end-to-end test of the workflow needs.
struct SimulatedTenant {
    let simulator: TenantSimulator
    let endpoints: SimulatorEndpoints
    /// The clients' view of ``endpoints``.
    let serviceEndpoints: ServiceEndpoints
    let services: OnboardingServices
    let journal: TemporaryJournal
    let engine: OnboardingEngine
    let graph: TaskGraph
    let input: OnboardingInput

    /// Fast re-checks so waits resolve in milliseconds.
    /// Fast re-checks; without the inbound lockdown (its own tests, `LockdownTests`, turn it on),
    /// so the other tests finish a run with consent, relay and SPF alone.
    static let configuration = OnboardingConfiguration(
        consentRecheck: .milliseconds(50), replicationRetry: .milliseconds(50), spfRecheck: .milliseconds(100),
        exchangeRetry: RetryPolicy(maxAttempts: 40, initialDelay: .milliseconds(50), multiplier: 1.5, maxDelay: .milliseconds(500)),
        inboundLockdown: false)

    /// ``configuration`` with the inbound lockdown, MX re-checked fast.
    static let lockdownConfiguration: OnboardingConfiguration = {
        var lockdown = Self.configuration
        lockdown.inboundLockdown = true
        lockdown.mxRecheck = .milliseconds(100)
        return lockdown
    }()

    static let credentials = OnboardingCredentials(
        clientID: SimulatedApplication().clientId, clientSecret: SimulatedApplication().clientSecret,
        essentialsUser: "admin@msp.example", essentialsPassword: "essentials-password")

    /// Starts a simulator seeded with `seed`, runs `body`, and stops it.
    static func with<T: Sendable>(
        _ seed: SimulatorConfiguration = .default, credentials: OnboardingCredentials = credentials,
        limits: ServiceLimits = .standard, configuration: OnboardingConfiguration = configuration,
        logger: Logger = Logger(label: "engine", factory: { _ in SwiftLogNoOpLogHandler() }),
        _ body: (SimulatedTenant) async throws -> T
    ) async throws -> T {
        try await TenantSimulator.withRunning(
            configuration: seed, logger: Logger(label: "simulator", factory: { _ in SwiftLogNoOpLogHandler() })
        ) { simulator, endpoints in
            let journal = try TemporaryJournal()
            defer { journal.remove() }
            let serviceEndpoints = ServiceEndpoints.simulator(at: URL(string: endpoints.base)!, dnsPort: endpoints.dnsPort)
            let tenantID = try simulator.tenantId()
            let services = try Self.services(
                serviceEndpoints, tenantID: tenantID, credentials: credentials, limits: limits, logger: logger)
            let engine = OnboardingEngine(journal: journal.journal, logger: logger)
            let tenant = SimulatedTenant(
                simulator: simulator, endpoints: endpoints, serviceEndpoints: serviceEndpoints, services: services,
                journal: journal, engine: engine,
                graph: try EssentialsWorkflow.graph(services: services, configuration: configuration),
                input: OnboardingInput(tenantID: tenantID, essentialsOrg: "contoso.com", syncFrequencyHours: 12))
            return try await body(tenant)
        }
    }

    /// The clients for `tenantID` at `endpoints`, signing in with `credentials`.
    static func services(
        _ endpoints: ServiceEndpoints, tenantID: String, credentials: OnboardingCredentials = credentials,
        clock: any EngineClock = SystemClock(), limits: ServiceLimits = .standard,
        logger: Logger = Logger(label: "services", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws -> OnboardingServices {
        try OnboardingServices(
            endpoints: endpoints, credentials: credentials, tenantID: tenantID, clock: clock, limits: limits,
            exchangePropagationRetry: .milliseconds(100), logger: logger)
    }

    /// The workflow's graph (fast re-checks) for `tenantID` at `endpoints`.
    static func graph(_ endpoints: ServiceEndpoints, tenantID: String) throws -> TaskGraph {
        try EssentialsWorkflow.graph(services: try services(endpoints, tenantID: tenantID), configuration: configuration)
    }

    static let importedDomains = ["contoso.com", "mail.contoso.com"]  // not contoso.onmicrosoft.com: Microsoft owns its DNS

    /// What a person does for the manual steps: relay on for every imported domain, confirm,
    /// and an SPF record that includes Essentials.
    func playTheAdmin(run: RunID) async throws {
        updateSPF()
        try await enableRelay(run: run)
    }

    /// The DNS change: every imported domain's SPF record includes Essentials.
    func updateSPF() {
        for domain in Self.importedDomains {
            simulator.setTXTRecords(["v=spf1 include:spf.protection.outlook.com include:_spf-us.ppe-hosted.com -all"], for: domain)
        }
    }

    /// The Essentials admin turns relay on and confirms the waiting step.
    func enableRelay(run: RunID) async throws {
        for domain in Self.importedDomains {
            try await services.essentials.setRelay(org: "contoso.com", domain: domain, relay: true)
        }
        try await engine.confirm("enable-relay", in: run, actor: "admin", note: "relay enabled in the portal")
    }
}
