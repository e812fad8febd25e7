/// A scripted failure: which requests it hits, what happens to them, and how often.
///
/// ```swift
/// // The next two user listings are throttled for 3 seconds each.
/// simulator.inject(Fault(.graph, method: "GET", route: "/users", kind: .throttle(retryAfterSeconds: 3), trigger: .times(2)))
/// ```
public struct Fault: Sendable, Hashable {
    /// Which requests the fault applies to.
    public var match: FaultMatch
    /// What happens to a request it hits.
    public var kind: FaultKind
    /// How many of the matching requests it hits.
    public var trigger: FaultTrigger

    /// A fault.
    public init(match: FaultMatch, kind: FaultKind, trigger: FaultTrigger = .times(1)) {
        self.match = match
        self.kind = kind
        self.trigger = trigger
    }

    /// A fault for one service, optionally narrowed by method and route.
    ///
    /// - Parameters:
    ///   - service: the service.
    ///   - method: the HTTP method, e.g. `GET`; any when `nil`.
    ///   - route: the route key must equal this (see ``RequestRecord/route``), e.g. `/users` or `New-InboundConnector`.
    ///   - kind: what happens.
    ///   - trigger: how often.
    public init(
        _ service: SimulatedService, method: String? = nil, route: String? = nil, kind: FaultKind,
        trigger: FaultTrigger = .times(1)
    ) {
        self.init(match: FaultMatch(service: service, method: method, route: route), kind: kind, trigger: trigger)
    }
}
