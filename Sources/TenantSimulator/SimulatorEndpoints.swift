/// Where a running simulator listens. Each base URL replaces the real service's origin, so a client only
/// swaps the base URL:
///
/// | real origin | simulator |
/// |---|---|
/// | `https://login.microsoftonline.com` | ``login`` |
/// | `https://graph.microsoft.com` | ``graph`` |
/// | `https://outlook.office365.com` | ``exchange`` |
/// | `https://{region}.proofpointessentials.com` | ``essentials`` |
public struct SimulatorEndpoints: Sendable, Hashable {
    /// The host both servers listen on.
    public var host: String
    /// The HTTP port.
    public var httpPort: Int
    /// The UDP DNS port, or `nil` when DNS is disabled.
    public var dnsPort: Int?

    /// `http://{host}:{port}`.
    public var base: String { "http://\(host):\(httpPort)" }
    /// Stands in for `https://login.microsoftonline.com`.
    public var login: String { base + "/login" }
    /// Stands in for `https://graph.microsoft.com` (append `/v1.0/...`).
    public var graph: String { base + "/graph" }
    /// Stands in for `https://outlook.office365.com` (append `/adminapi/beta/{tenantId}/InvokeCommand`).
    public var exchange: String { base + "/exchange" }
    /// Stands in for `https://{region}.proofpointessentials.com` (append `/api/v1/...`).
    public var essentials: String { base + "/essentials" }
    /// The inspection API: `GET {inspection}/state`, `GET {inspection}/requests`.
    public var inspection: String { base + "/_simulator" }
}
