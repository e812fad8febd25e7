import AsyncHTTPClient
import NIOCore

/// The HTTP client the service clients send with: an AsyncHTTPClient that never follows a
/// redirect, so a credential can only ever reach the endpoint it was configured for.
///
/// A 3xx answer reaches the clients, which refuse it as an invalid answer that names its target.
/// The library owns the client's configuration for this reason: an `HTTPClient` built elsewhere
/// follows redirects by default and re-sends headers (`Authorization`, `X-Password`) and a
/// re-posted form (`client_secret`) to whatever host a server names.
///
/// ``shared`` lives as long as the process. A host that needs a larger connection pool (many
/// tenants at once) makes its own and shuts it down when done:
///
/// ```swift
/// let transport = ServiceTransport(maximumConnectionsPerHost: 256)
/// defer { Task { try await transport.shutdown() } }
/// ```
public final class ServiceTransport: Sendable {
    /// The process-wide transport, 8 connections per host; never shut down.
    public static let shared = ServiceTransport()

    let client: HTTPClient

    /// Creates a transport with its own connection pool on AsyncHTTPClient's default event loop group.
    ///
    /// - Parameters:
    ///   - maximumConnectionsPerHost: the pool's size per host.
    ///   - connectTimeout: how long establishing one connection may take.
    public init(maximumConnectionsPerHost: Int = 8, connectTimeout: Duration = .seconds(10)) {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(1, maximumConnectionsPerHost)
        configuration.timeout.connect = .nanoseconds(Int64(connectTimeout.components.seconds) * 1_000_000_000)
        configuration.decompression = .disabled
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// Closes the connections. Calls made afterwards fail.
    public func shutdown() async throws {
        try await client.shutdown()
    }
}
