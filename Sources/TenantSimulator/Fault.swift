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

/// Which requests a ``Fault`` applies to; `nil` fields match anything.
public struct FaultMatch: Sendable, Hashable {
    /// The service.
    public var service: SimulatedService?
    /// The HTTP method (case-insensitive).
    public var method: String?
    /// The route key, compared exactly (see ``RequestRecord/route``).
    public var route: String?

    /// A match.
    public init(service: SimulatedService? = nil, method: String? = nil, route: String? = nil) {
        self.service = service
        self.method = method
        self.route = route
    }

    func matches(service: SimulatedService, method: String, route: String) -> Bool {
        if let expected = self.service, expected != service { return false }
        if let expected = self.method, expected.uppercased() != method.uppercased() { return false }
        if let expected = self.route, expected != route { return false }
        return true
    }
}

/// What a ``Fault`` does to a request.
public struct FaultKind: Sendable, Hashable, CustomStringConvertible {
    enum Storage: Sendable, Hashable {
        case throttle(Int)
        case serviceUnavailable(Int?)
        case latency(Duration)
        case dropConnection
        case nonJSONForbidden
    }

    let storage: Storage

    /// 429 in the service's error shape with a `Retry-After` header in seconds.
    public static func throttle(retryAfterSeconds: Int) -> FaultKind {
        FaultKind(storage: .throttle(retryAfterSeconds))
    }
    /// 503 in the service's error shape, with `Retry-After` when given.
    public static func serviceUnavailable(retryAfterSeconds: Int? = nil) -> FaultKind {
        FaultKind(storage: .serviceUnavailable(retryAfterSeconds))
    }
    /// Waits this long (real time) before answering normally.
    public static func latency(_ delay: Duration) -> FaultKind { FaultKind(storage: .latency(delay)) }
    /// Closes the connection without answering.
    public static let dropConnection = FaultKind(storage: .dropConnection)
    /// 403 with an HTML body instead of JSON, as Exchange sometimes answers.
    public static let nonJSONForbidden = FaultKind(storage: .nonJSONForbidden)

    /// A short name: `throttle`, `unavailable`, `latency`, `drop` or `nonJSONForbidden`.
    public var description: String {
        switch storage {
        case .throttle: return "throttle"
        case .serviceUnavailable: return "unavailable"
        case .latency: return "latency"
        case .dropConnection: return "drop"
        case .nonJSONForbidden: return "nonJSONForbidden"
        }
    }
}

/// How many matching requests a ``Fault`` hits.
public struct FaultTrigger: Sendable, Hashable {
    enum Storage: Sendable, Hashable {
        case times(Int)
        case probability(Double)
    }

    let storage: Storage

    /// The next `count` matching requests, then the fault is spent.
    public static func times(_ count: Int) -> FaultTrigger { FaultTrigger(storage: .times(count)) }
    /// Every matching request with this probability (0…1), drawn from the simulator's seeded generator.
    public static func probability(_ probability: Double) -> FaultTrigger {
        FaultTrigger(storage: .probability(probability))
    }
    /// Every matching request until the fault is removed.
    public static let always = FaultTrigger(storage: .probability(1))
}

/// Identifies an injected fault so it can be removed.
public struct FaultID: Sendable, Hashable {
    let value: Int
}
