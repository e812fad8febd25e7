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
