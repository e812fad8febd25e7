import EssentialsOnboarding
import Foundation
import Logging
import OnboardingEngine
import OnboardingEngineTesting
import TenantSimulator

/// A running ``Simulator``, the workflow's real clients pointed at it over loopback HTTP and
/// DNS, and an engine with a temporary journal: everything a test of a Microsoft 365 task needs.
///
/// ```swift
/// try await SimulatedTenant.with { tenant in
///     let graph = try tenant.graph(adding: [TagExternalMail(exchange: tenant.services.exchange)])
///     let result = try await tenant.onboard(graph)          // consent, relay, SPF played; to the end
///     #expect(result.state == .succeeded)
/// }
/// ```
///
/// The person's steps the workflow waits for (admin consent, relay, SPF, MX and the lockdown's
/// go-ahead) are played by ``finish(_:graph:)``, or one by one (``grantConsent()``,
/// ``enableRelay(run:)``, ``addEssentialsToSPF()``, ``pointMXAtEssentials()``, ``allowLockdown(run:)``).
public struct SimulatedTenant: Sendable {
    /// The simulator: inspect it (`snapshot()`), script faults, or change DNS as an admin would.
    public let simulator: Simulator
    /// Where the simulator listens.
    public let endpoints: SimulatorEndpoints
    /// The clients' view of ``endpoints``.
    public let serviceEndpoints: ServiceEndpoints
    /// The workflow's clients for the simulated tenant, signed in with ``credentials``.
    public let services: OnboardingServices
    /// The temporary journal ``engine`` writes; removed when ``with(_:credentials:limits:configuration:logger:_:)`` returns.
    public let journal: TemporaryJournal
    /// An engine on ``journal``.
    public let engine: Engine
    /// The workflow's configuration this tenant's ``graph`` was built with.
    public let configuration: OnboardingConfiguration
    /// The Microsoft 365 workflow's graph for this tenant (``configuration``).
    public let graph: TaskGraph
    /// The run's input: the simulated tenant onboarded to the Essentials org `contoso.com`.
    public let input: OnboardingInput

    /// Fast re-checks, so waits resolve in milliseconds; without the inbound lockdown (a run
    /// finishes with consent, relay and SPF alone). ``lockdownConfiguration`` turns it on.
    public static let configuration = OnboardingConfiguration(
        consentRecheck: .milliseconds(50), replicationRetry: .milliseconds(50), spfRecheck: .milliseconds(100),
        exchangeRetry: RetryPolicy(maxAttempts: 40, initialDelay: .milliseconds(50), multiplier: 1.5, maxDelay: .milliseconds(500)),
        inboundLockdown: false)

    /// ``configuration`` with the inbound lockdown (MX check, audit, go-ahead), MX re-checked fast.
    public static let lockdownConfiguration: OnboardingConfiguration = {
        var lockdown = Self.configuration
        lockdown.inboundLockdown = true
        lockdown.mxRecheck = .milliseconds(100)
        return lockdown
    }()

    /// The simulator's made-up application and Essentials admin (`SimulatedApplication`,
    /// `EssentialsSeed`): never real secrets.
    public static let credentials = OnboardingCredentials(
        clientID: SimulatedApplication().clientId, clientSecret: SimulatedApplication().clientSecret,
        essentialsUser: "admin@msp.example", essentialsPassword: "essentials-password")

    /// The Essentials org the default seed's tenant is onboarded to.
    public static let essentialsOrg = "contoso.com"

    /// The default seed's domains the workflow imports; not `contoso.onmicrosoft.com`, whose DNS
    /// Microsoft owns.
    public static let importedDomains = ["contoso.com", "mail.contoso.com"]

    /// Starts a simulator seeded with `seed`, runs `body` with the tenant, then stops the
    /// simulator and removes the journal.
    ///
    /// - Parameters:
    ///   - seed: the simulated world (`.default`: one tenant, `contoso.com`, and its Essentials org).
    ///   - credentials: what the clients sign in with; ``credentials`` by default.
    ///   - limits: the clients' bounds on answers.
    ///   - configuration: the workflow's settings; ``configuration`` (fast, no lockdown) by default.
    ///   - logger: the engine's and the clients' logger; silent by default.
    ///   - body: the test.
    /// - Throws: what starting the simulator or building the clients throws, and what `body` throws.
    public static func with<T: Sendable>(
        _ seed: SimulatorConfiguration = .default, credentials: OnboardingCredentials = credentials,
        limits: ServiceLimits = .standard, configuration: OnboardingConfiguration = configuration,
        logger: Logger = Logger(label: "engine", factory: { _ in SwiftLogNoOpLogHandler() }),
        _ body: (SimulatedTenant) async throws -> T
    ) async throws -> T {
        try await Simulator.withRunning(
            configuration: seed, logger: Logger(label: "simulator", factory: { _ in SwiftLogNoOpLogHandler() })
        ) { simulator, endpoints in
            let journal = try TemporaryJournal()
            defer { journal.remove() }
            let serviceEndpoints = try Self.serviceEndpoints(endpoints)
            let tenantID = try simulator.tenantId()
            let services = try Self.services(
                serviceEndpoints, tenantID: tenantID, credentials: credentials, limits: limits, logger: logger)
            let engine = Engine(journal: journal.journal, logger: logger)
            let tenant = SimulatedTenant(
                simulator: simulator, endpoints: endpoints, serviceEndpoints: serviceEndpoints, services: services,
                journal: journal, engine: engine, configuration: configuration,
                graph: try EssentialsWorkflow.graph(services: services, configuration: configuration),
                input: OnboardingInput(tenantID: tenantID, essentialsOrg: Self.essentialsOrg, syncFrequencyHours: 12))
            return try await body(tenant)
        }
    }

    /// The clients' endpoints for a simulator listening at `endpoints`.
    ///
    /// - Throws: `ServiceError` when the simulator's base URL is not one (never for a running simulator).
    public static func serviceEndpoints(_ endpoints: SimulatorEndpoints) throws -> ServiceEndpoints {
        guard let base = URL(string: endpoints.base) else {
            throw ServiceError(.badRequest, service: .configuration, message: "The simulator's address is not a URL: \(endpoints.base)")
        }
        return .simulator(at: base, dnsPort: endpoints.dnsPort)
    }

    /// The clients for `tenantID` at `endpoints`, signing in with `credentials`: what a child
    /// process of a crash test builds, given the simulator's address by its parent.
    ///
    /// - Throws: `ServiceError` for endpoints or credentials the clients refuse.
    public static func services(
        _ endpoints: ServiceEndpoints, tenantID: String, credentials: OnboardingCredentials = credentials,
        clock: any EngineClock = SystemClock(), limits: ServiceLimits = .standard,
        logger: Logger = Logger(label: "services", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws -> OnboardingServices {
        try OnboardingServices(
            endpoints: endpoints, credentials: credentials, tenantID: tenantID, clock: clock, limits: limits,
            exchangePropagationRetry: .milliseconds(100), logger: logger)
    }

    /// The workflow's graph (``configuration``) for `tenantID` at `endpoints`, with `tasks` added.
    ///
    /// - Throws: ``EngineError`` when the graph is not valid (a duplicate id, an unknown dependency, a cycle).
    public static func graph(
        _ endpoints: ServiceEndpoints, tenantID: String, adding tasks: [any OnboardingTask] = [],
        configuration: OnboardingConfiguration = configuration
    ) throws -> TaskGraph {
        let services = try services(endpoints, tenantID: tenantID)
        return try TaskGraph(
            workflow: EssentialsWorkflow.name,
            tasks: EssentialsWorkflow.tasks(services: services, configuration: configuration) + tasks)
    }

    /// The Microsoft 365 workflow (this tenant's ``configuration``) with `tasks` added, under the
    /// workflow's name: how a host extends the built-in workflow.
    ///
    /// - Throws: ``EngineError`` when the graph is not valid (a duplicate id, an unknown dependency, a cycle).
    public func graph(adding tasks: [any OnboardingTask]) throws -> TaskGraph {
        try TaskGraph(
            workflow: EssentialsWorkflow.name,
            tasks: EssentialsWorkflow.tasks(services: services, configuration: configuration) + tasks)
    }
}
