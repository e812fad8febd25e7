import Foundation

/// One request the simulator answered (or dropped), for inspection.
public struct RequestRecord: Sendable, Hashable {
    /// Increases by one per request, from 1.
    public var sequence: Int
    /// The service it went to.
    public var service: SimulatedService
    /// The HTTP method.
    public var method: String
    /// The path as sent, without the query.
    public var path: String
    /// The route key: the service path with ids replaced by `{id}` (Graph `/users/{id}/messages/{id}/move`,
    /// Essentials `/orgs/{domain}/domains`, identity `/token`), or the cmdlet name for Exchange
    /// (`New-InboundConnector`).
    public var route: String
    /// The status answered; `0` when the connection was dropped.
    public var status: Int
    /// The fault that hit it, if any (``FaultKind/description``).
    public var fault: String?
    /// When it arrived, on the simulator's clock.
    public var date: Date
}
