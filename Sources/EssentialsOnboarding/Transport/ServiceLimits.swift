/// Bounds on what the service clients accept from a server, so that no answer can hold a run
/// forever or fill the host's memory.
///
/// The defaults are generous for real tenants (a listing of two million users, a page of 32 MiB)
/// and still end a hostile or broken server's answer in minutes:
///
/// ```swift
/// let limits = ServiceLimits(requestDeadline: .seconds(60), maxPages: 50_000)
/// let services = try OnboardingServices(
///     endpoints: try .cloud(), credentials: credentials, tenantID: tenant, limits: limits)
/// ```
public struct ServiceLimits: Sendable, Hashable {
    /// The longest one HTTP exchange may take, from connecting to the last byte of the answer's
    /// body. A server that trickles its answer is cut off here; the call is then retried like a
    /// dropped connection.
    public var requestDeadline: Duration
    /// The largest answer body read, in bytes. A larger one is refused as an invalid answer.
    public var maxResponseBytes: Int
    /// The most pages one listing follows (`@odata.nextLink`). A listing that goes on past this
    /// stops with a `limitExceeded` error that says so.
    public var maxPages: Int
    /// The most items one listing collects.
    public var maxItems: Int

    /// Creates limits.
    public init(
        requestDeadline: Duration = .seconds(120), maxResponseBytes: Int = 32 << 20, maxPages: Int = 20_000,
        maxItems: Int = 2_000_000
    ) {
        self.requestDeadline = requestDeadline
        self.maxResponseBytes = max(1, maxResponseBytes)
        self.maxPages = max(1, maxPages)
        self.maxItems = max(1, maxItems)
    }

    /// Two minutes a request, 32 MiB an answer, 20,000 pages and two million items a listing.
    public static let standard = ServiceLimits()
}

extension ServiceLimits {
    /// Throws when a listing of `what` that has read `pages` pages and `items` items may not go on.
    ///
    /// - Throws: ``ServiceError`` `limitExceeded`, saying which limit and how to raise it.
    func checkListing(of what: String, pages: Int, items: Int, service: ServiceError.Service) throws {
        let limit: String
        if pages >= maxPages {
            limit = "\(maxPages) pages (ServiceLimits.maxPages)"
        } else if items > maxItems {
            limit = "\(maxItems) items (ServiceLimits.maxItems)"
        } else {
            return
        }
        throw ServiceError(
            .limitExceeded, service: service,
            message: "\(service.displayName)'s listing of \(what.prefix(120)) went past \(limit) and was stopped: either the tenant is larger than the limit (raise it in the host's ServiceLimits), or the service keeps linking to new pages without end.")
    }
}
