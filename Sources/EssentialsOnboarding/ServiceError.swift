public import OnboardingEngine

/// A failure talking to Microsoft's or Proofpoint's services, with a sentence a support person can act on.
public struct ServiceError: Error, Sendable, CustomStringConvertible {
    /// Which service answered.
    public enum Service: String, Sendable {
        case identity, graph, exchange, essentials, dns, configuration

        /// The service's name for a person: "Microsoft Graph", "Exchange Online", ….
        public var displayName: String {
            switch self {
            case .identity: "The Microsoft identity platform"
            case .graph: "Microsoft Graph"
            case .exchange: "Exchange Online"
            case .essentials: "Proofpoint Essentials"
            case .dns: "DNS"
            case .configuration: "The configuration"
            }
        }
    }

    /// What kind of failure. Extensible.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name.
        public let name: String
        private init(_ name: String) { self.name = name }

        /// 429, 503, a dropped connection or a timeout: worth retrying.
        public static let transient = Code("transient")
        /// The call needs a permission the token lacks (Graph 403 `Authorization_RequestDenied`).
        public static let forbidden = Code("forbidden")
        /// The credentials or token were refused: a wrong secret, an unknown client id, a
        /// certificate the application does not have. Waiting does not help.
        public static let unauthorized = Code("unauthorized")
        /// No admin consent in the tenant yet, or not yet in the token service (AADSTS65001,
        /// AADSTS7000229): a Global Admin must consent, then it takes a minute.
        public static let consentMissing = Code("consentMissing")
        /// The object does not exist.
        public static let notFound = Code("notFound")
        /// The service refused the request as invalid.
        public static let badRequest = Code("badRequest")
        /// The object already exists (or conflicts with one).
        public static let conflict = Code("conflict")
        /// The answer could not be understood.
        public static let invalidResponse = Code("invalidResponse")
        /// A configured endpoint is not allowed (plain http off loopback).
        public static let insecureEndpoint = Code("insecureEndpoint")
        /// A listing went past ``ServiceLimits/maxPages`` or ``ServiceLimits/maxItems``: a
        /// tenant larger than the limits, or a server that links to new pages without end.
        public static let limitExceeded = Code("limitExceeded")
        /// A delta link expired: a full resync is needed.
        public static let syncStateNotFound = Code("syncStateNotFound")

        public var description: String { name }
    }

    /// What kind of failure.
    public var code: Code
    /// Which service.
    public var service: Service
    /// The HTTP status, if any.
    public var status: Int?
    /// The service's own error code, e.g. `AADSTS65001` or `Authorization_RequestDenied`.
    public var serviceCode: String?
    /// The sentence a person can act on.
    public var message: String
    /// How long the service asked us to wait, if it did.
    public var retryAfter: Duration?

    /// Creates an error.
    public init(
        _ code: Code, service: Service, status: Int? = nil, serviceCode: String? = nil, message: String,
        retryAfter: Duration? = nil
    ) {
        self.code = code
        self.service = service
        self.status = status
        self.serviceCode = serviceCode
        self.message = message
        self.retryAfter = retryAfter
    }

    public var description: String {
        "\(service) \(status.map(String.init) ?? "-") \(serviceCode ?? code.name): \(message)"
    }

    /// This error with every secret `redactor` knows of, and anything that looks like one,
    /// removed from its message and service code.
    func scrubbed(by redactor: SecretRedactor) -> ServiceError {
        var copy = self
        copy.message = redactor.scrub(message)
        copy.serviceCode = serviceCode.map { redactor.excerpt($0, limit: 80) }
        return copy
    }

    /// Runs a service call in a task's `run`, turning a ``ServiceError`` into the engine outcome it
    /// means (``interruption(needing:)``): a 403 blocks the task on `permission`, throttling and
    /// outages are retried (with `Retry-After`), anything else fails with the service's words. A
    /// plain error thrown from a task is retried up to its attempt budget, which no retry fixes
    /// for a 400: wrap service calls in this.
    ///
    /// ```swift
    /// let domains = try await ServiceError.mappingFailures(needing: "Domain.Read.All") {
    ///     try await services.graph.domains()
    /// }
    /// ```
    public static func mappingFailures<T>(needing permission: Permission? = nil, _ body: () async throws -> T)
        async throws -> T
    {
        do {
            return try await body()
        } catch let error as ServiceError {
            throw error.interruption(needing: permission)
        }
    }

    /// The engine outcome for this failure, given the permission the call needed.
    ///
    /// 403 on Graph becomes *blocked on* `permission`; transient failures are retried (honouring
    /// `Retry-After`); everything else is permanent with the service's words.
    public func interruption(needing permission: Permission? = nil) -> TaskInterruption {
        switch code {
        case .transient, .syncStateNotFound:
            return .retryable(message, retryAfter: retryAfter, code: serviceCode ?? code.name)
        case .forbidden where permission != nil:
            return .blocked(
                missing: [permission!],
                "\(service) refused the call for lack of \(permission!): \(message) Grant it (admin consent), then resume.")
        default:
            return .permanent(message, code: serviceCode ?? code.name)
        }
    }
}
