/// What a ``Fault`` does to a request.
public struct FaultKind: Sendable, Hashable, CustomStringConvertible {
    enum Storage: Sendable, Hashable {
        case throttle(Int)
        case serviceUnavailable(Int?)
        case latency(Duration)
        case dropConnection
        case nonJSONForbidden
        case answer(status: Int, contentType: String, body: String, headers: [String: String])
        case redirect(status: Int, location: String)
        case echo(status: Int)
        case trickle(status: Int, body: String, interval: Duration)
        case endlessPages
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
    ///
    /// - Parameter headers: extra response headers, e.g. `["Retry-After": "999999999"]` with status 429.
    public static func answer(
        status: Int = 200, contentType: String = "application/json", body: String, headers: [String: String] = [:]
    ) -> FaultKind {
        FaultKind(storage: .answer(status: status, contentType: contentType, body: body, headers: headers))
    }

    /// A redirect (`302` by default, or `301`, `303`, `307`, `308`) to `location`, as a hijacked
    /// or misconfigured server might send to lure credentials to another host.
    public static func redirect(status: Int = 302, to location: String) -> FaultKind {
        FaultKind(storage: .redirect(status: status, location: location))
    }

    /// An HTML error page (status `400` by default) that echoes the request it answers: every
    /// header and the whole body, secrets included, as a careless server's debug page does.
    public static func echo(status: Int = 400) -> FaultKind { FaultKind(storage: .echo(status: status)) }

    /// Answers `status` with `body`, one byte every `interval` (real time): a body that trickles
    /// in and never completes in reasonable time.
    public static func trickle(status: Int = 200, body: String, interval: Duration) -> FaultKind {
        FaultKind(storage: .trickle(status: status, body: body, interval: interval))
    }

    /// Answers a listing (Graph or Exchange) with no items and an `@odata.nextLink` to a page
    /// never seen before, on the same server: a listing that never ends.
    public static let endlessPages = FaultKind(storage: .endlessPages)

    /// A short name: `throttle`, `unavailable`, `latency`, `drop`, `nonJSONForbidden`, `answer`,
    /// `redirect`, `echo`, `trickle` or `endlessPages`.
    public var description: String {
        switch storage {
        case .throttle: return "throttle"
        case .serviceUnavailable: return "unavailable"
        case .latency: return "latency"
        case .dropConnection: return "drop"
        case .nonJSONForbidden: return "nonJSONForbidden"
        case .answer: return "answer"
        case .redirect: return "redirect"
        case .echo: return "echo"
        case .trickle: return "trickle"
        case .endlessPages: return "endlessPages"
        }
    }
}
