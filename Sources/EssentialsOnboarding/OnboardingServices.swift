public import Logging
public import OnboardingEngine

/// The real clients for one tenant's onboarding, built by the host with its credentials.
///
/// ```swift
/// let services = try OnboardingServices(endpoints: try .cloud(), credentials: credentials, tenantID: input.tenantID)
/// let graph = try EssentialsWorkflow.graph(services: services, configuration: OnboardingConfiguration())
/// ```
public struct OnboardingServices: Sendable {
    /// Tokens and consent.
    public let identity: IdentityClient
    /// Microsoft Graph.
    public let graph: GraphClient
    /// Exchange Online's admin API.
    public let exchange: ExchangeClient
    /// The Essentials API.
    public let essentials: EssentialsClient
    /// SPF lookups.
    public let dns: DNSResolver
    /// The application's client id (not secret).
    public let clientID: String

    /// Builds the clients.
    ///
    /// - Parameters:
    ///   - transport: the HTTP client to send with; it never follows redirects (see Docs/Security.md).
    ///   - endpoints: the real cloud or a simulator; plain http is refused off loopback.
    ///   - credentials: the secrets, kept in memory only, and scrubbed from every error text.
    ///   - tenantID: the Microsoft 365 tenant.
    ///   - clock: the engine's clock, for short in-call retries.
    ///   - limits: the deadline and size of each exchange and the length of a listing.
    ///   - exchangePropagationRetry: how long to wait after Exchange refuses the app while its roles take effect.
    ///   - logger: where the clients say what the engine cannot see: throttling and `Retry-After`
    ///     waits, retried calls, token requests, Exchange not yet accepting the app, refused
    ///     redirects. Constant messages with metadata; never a secret. Silent by default.
    /// - Throws: ``ServiceError`` `insecureEndpoint`.
    public init(
        transport: ServiceTransport = .shared, endpoints: ServiceEndpoints, credentials: OnboardingCredentials,
        tenantID: String, clock: any EngineClock = SystemClock(), limits: ServiceLimits = .standard,
        exchangePropagationRetry: Duration = .seconds(60),
        logger: Logger = Logger(label: "onboarding.services", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws {
        try endpoints.validate()
        let redactor = SecretRedactor(secrets: [credentials.clientSecret, credentials.essentialsPassword])
        var logger = logger
        logger[metadataKey: "tenant.id"] = "\(tenantID)"
        let http = ServiceHTTP(
            transport: transport, endpoints: endpoints, clock: clock, limits: limits, redactor: redactor, logger: logger)
        let identity = IdentityClient(http: http, endpoints: endpoints, tenant: tenantID, credentials: credentials)
        self.identity = identity
        self.graph = GraphClient(http: http, identity: identity, endpoints: endpoints)
        self.exchange = ExchangeClient(
            http: http, identity: identity, endpoints: endpoints, tenantID: tenantID, propagationRetry: exchangePropagationRetry)
        self.essentials = EssentialsClient(http: http, endpoints: endpoints, credentials: credentials)
        self.dns = DNSResolver(nameserver: endpoints.nameserver)
        self.clientID = credentials.clientID
        self.limits = limits
    }

    /// The limits the clients enforce.
    public let limits: ServiceLimits
}
