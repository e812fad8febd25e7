public import Foundation

/// Where each service lives: the real cloud by default, or a simulator's loopback URLs.
///
/// TLS is required for every host that is not on loopback: ``validate()`` refuses `http` elsewhere.
public struct ServiceEndpoints: Sendable, Hashable {
    /// The identity platform's origin (token and admin-consent endpoints), e.g. `https://login.microsoftonline.com`.
    public var login: URL
    /// Microsoft Graph's origin, e.g. `https://graph.microsoft.com`.
    public var graph: URL
    /// Exchange Online's origin, e.g. `https://outlook.office365.com`.
    public var exchange: URL
    /// The Essentials API's origin, e.g. `https://us1.proofpointessentials.com`.
    public var essentials: URL
    /// The DNS server for SPF lookups as `host:port`; `nil` uses the system resolver's configuration.
    public var nameserver: String?

    /// Creates endpoints.
    public init(login: URL, graph: URL, exchange: URL, essentials: URL, nameserver: String? = nil) {
        self.login = login
        self.graph = graph
        self.exchange = exchange
        self.essentials = essentials
        self.nameserver = nameserver
    }

    /// A simulator's endpoints: the four services under one base URL (`/login`, `/graph`,
    /// `/exchange`, `/essentials`), as the TenantSimulator serves them, and its DNS server on
    /// loopback at `dnsPort` (the system resolver when `nil`).
    public static func simulator(at base: URL, dnsPort: Int?) -> ServiceEndpoints {
        ServiceEndpoints(
            login: base.appending(raw: "/login"), graph: base.appending(raw: "/graph"),
            exchange: base.appending(raw: "/exchange"), essentials: base.appending(raw: "/essentials"),
            nameserver: dnsPort.map { "127.0.0.1:\($0)" })
    }

    /// The Essentials regions.
    public static let essentialsRegions = ["us1", "us2", "us3", "us4", "us5", "eu1"]

    /// Microsoft's public cloud and the Essentials region `region` (one of ``essentialsRegions``).
    ///
    /// - Throws: ``ServiceError`` `badRequest` (service `configuration`) for an unknown region.
    public static func cloud(essentialsRegion region: String = "us1") throws -> ServiceEndpoints {
        let region = region.lowercased()
        guard essentialsRegions.contains(region), let essentials = URL(string: "https://\(region).proofpointessentials.com")
        else {
            throw ServiceError(
                .badRequest, service: .configuration,
                message: "'\(region)' is not an Essentials region; use one of \(essentialsRegions.joined(separator: ", ")).")
        }
        return ServiceEndpoints(
            login: URL(string: "https://login.microsoftonline.com")!,
            graph: URL(string: "https://graph.microsoft.com")!,
            exchange: URL(string: "https://outlook.office365.com")!,
            essentials: essentials)
    }

    /// Refuses plain HTTP to any host that is not on loopback.
    ///
    /// - Throws: ``ServiceError`` with code `insecureEndpoint`.
    public func validate() throws {
        for (name, url) in [("login", login), ("graph", graph), ("exchange", exchange), ("essentials", essentials)] {
            let host = url.host ?? ""
            let loopback = host == "127.0.0.1" || host == "localhost" || host == "::1" || host == "[::1]"
            guard url.scheme == "https" || (url.scheme == "http" && loopback) else {
                throw ServiceError(
                    .insecureEndpoint, service: .configuration,
                    message: "The \(name) endpoint \(url.absoluteString) must use https (plain http is allowed on loopback only).")
            }
        }
    }
}
