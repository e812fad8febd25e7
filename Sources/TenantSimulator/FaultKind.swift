/// What a ``Fault`` does to a request.
public struct FaultKind: Sendable, Hashable, CustomStringConvertible {
    enum Storage: Sendable, Hashable {
        case throttle(Int)
        case serviceUnavailable(Int?)
        case latency(Duration)
        case dropConnection
        case nonJSONForbidden
        case answer(status: Int, contentType: String, body: String)
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

    /// Answers with exactly this instead of the service, to script a hostile or broken server:
    /// a next-page link to another host, a body that is not JSON, a field of the wrong type.
    ///
    /// ```swift
    /// simulator.inject(Fault(.graph, method: "GET", route: "/users",
    ///     kind: .answer(body: #"{"value":[],"@odata.nextLink":"https://elsewhere.example/users"}"#)))
    /// ```
    public static func answer(status: Int = 200, contentType: String = "application/json", body: String) -> FaultKind {
        FaultKind(storage: .answer(status: status, contentType: contentType, body: body))
    }

    /// A short name: `throttle`, `unavailable`, `latency`, `drop`, `nonJSONForbidden` or `answer`.
    public var description: String {
        switch storage {
        case .throttle: return "throttle"
        case .serviceUnavailable: return "unavailable"
        case .latency: return "latency"
        case .dropConnection: return "drop"
        case .nonJSONForbidden: return "nonJSONForbidden"
        case .answer: return "answer"
        }
    }
}
