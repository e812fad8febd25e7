import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import OnboardingEngine

/// One HTTP exchange's answer.
struct HTTPAnswer: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]
    /// When it arrived, on the engine's clock (for a `Retry-After` given as a date).
    var receivedAt: Date

    /// The wait the service asked for in `Retry-After`: delay-seconds or an HTTP date (RFC 9110
    /// §10.2.3). `nil` for a missing, garbled, negative or past value, so the caller's backoff
    /// applies; at most a day (the engine clamps it further to the task's retry policy).
    var retryAfter: Duration? {
        guard let text = headers.first(name: "Retry-After")?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
            return nil
        }
        let seconds: Double
        if text.allSatisfy(\.isASCIIDigit) {
            guard let value = Double(text) else { return nil }
            seconds = value
        } else if let date = Self.httpDate(text) {
            seconds = date.timeIntervalSince(receivedAt).rounded(.up)
        } else {
            return nil
        }
        guard seconds > 0 else { return nil }
        return .seconds(min(seconds, Self.longestRetryAfter))
    }

    /// A `Retry-After` longer than a day is taken as a day.
    static let longestRetryAfter: Double = 86_400

    /// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the only form senders may use.
    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.date(from: text)
    }

    func decode<T: Decodable>(_ type: T.Type, service: ServiceError.Service, redactor: SecretRedactor) throws -> T {
        if let none = NoContent() as? T { return none }
        do {
            return try JSONDecoder().decode(type, from: Data(body))
        } catch {
            throw ServiceError(
                .invalidResponse, service: service, status: status,
                message: "\(service.displayName) answered with something other than the expected JSON: \(redactor.excerpt(body, limit: 200))")
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

/// Sends every request of the service clients, and is the one place that enforces what they
/// refuse (see Docs/Security.md):
///
/// - a request goes only to its service's configured endpoint (scheme, host and port), so a
///   credential or token never leaves for another host;
/// - a redirect is never followed (``ServiceTransport`` disallows them): a 3xx is an
///   `invalidResponse` error naming its target;
/// - each exchange has a total deadline (connect, headers and body) and a size cap
///   (``ServiceLimits``);
/// - server text that becomes part of an error is bounded and scrubbed of secrets (``redactor``).
///
/// 429, 503 and a dropped connection are retried here up to ``maxAttempts`` times when the wait
/// (the server's `Retry-After`, else a short backoff) is at most ``maxInlineWait``; longer waits
/// are handed to the engine as a retryable failure carrying the server's delay, so the backoff
/// is durable and survives a restart.
struct ServiceHTTP: Sendable {
    let transport: ServiceTransport
    let endpoints: ServiceEndpoints
    let clock: any EngineClock
    let limits: ServiceLimits
    let redactor: SecretRedactor
    /// Retries, throttling and refusals, with constant messages and metadata (never a secret:
    /// paths without queries, statuses, waits).
    let logger: Logger
    var maxAttempts = 3
    var maxInlineWait: Duration = .seconds(10)

    /// The origin each service's requests must go to.
    func origin(of service: ServiceError.Service) -> URL? {
        switch service {
        case .identity: endpoints.login
        case .graph: endpoints.graph
        case .exchange: endpoints.exchange
        case .essentials: endpoints.essentials
        case .dns, .configuration: nil
        }
    }

    func send(
        _ method: HTTPMethod, _ url: URL, headers: [(String, String)] = [], body: [UInt8]? = nil,
        service: ServiceError.Service, retryStatuses: Set<Int> = [429, 503]
    ) async throws -> HTTPAnswer {
        // Built only when a line is logged: most requests log nothing.
        func metadata(_ extra: Logger.Metadata = [:]) -> Logger.Metadata {
            extra.merging(["service": "\(service.rawValue)", "http.method": "\(method.rawValue)", "url.path": "\(url.path)"]) { $1 }
        }
        guard let origin = origin(of: service), Self.isOnOrigin(url, origin) else {
            logger.warning("request to another origin refused", metadata: metadata(["url.origin": "\(url.originDescription)"]))
            throw ServiceError(
                .invalidResponse, service: service,
                message: "A request for \(service.displayName) was addressed to \(redactor.excerpt(url.originDescription, limit: 120)), which is not its configured endpoint; it was not sent.")
        }
        var attempt = 0
        while true {
            attempt += 1
            let answer: HTTPAnswer
            do {
                answer = try await once(method, url, headers: headers, body: body, service: service)
            } catch let error as ServiceError {
                throw error
            } catch let error where !(error is CancellationError) {
                let reason = Self.describe(error, limits: limits)
                guard attempt < maxAttempts else {
                    logger.info("service unreachable, retrying later", metadata: metadata(["reason": "\(reason)", "attempt": "\(attempt)"]))
                    throw ServiceError(
                        .transient, service: service,
                        message: "\(service.displayName) could not be reached (\(reason)); it will be tried again.")
                }
                logger.debug("service call failed, retrying", metadata: metadata(["reason": "\(reason)", "attempt": "\(attempt)"]))
                try await pause(.milliseconds(200 * attempt))
                continue
            }
            if (300..<400).contains(answer.status) {
                logger.warning("redirect refused", metadata: metadata(["http.status": "\(answer.status)"]))
                let target = answer.headers.first(name: "Location").map { redactor.excerpt($0, limit: 200) } ?? "no Location"
                throw ServiceError(
                    .invalidResponse, service: service, status: answer.status,
                    message: "\(service.displayName) answered with a redirect (HTTP \(answer.status)) to \(target); redirects are never followed, so no credential was sent there. Check the configured endpoint.")
            }
            if retryStatuses.contains(answer.status) {
                let wait = answer.retryAfter ?? .milliseconds(250 * attempt)
                let throttled = metadata([
                    "http.status": "\(answer.status)", "retry_after_s": "\(wait.timeInterval)", "attempt": "\(attempt)",
                ])
                if attempt < maxAttempts && wait <= maxInlineWait {
                    logger.info("service throttled, waiting", metadata: throttled)
                    try await pause(wait)
                    continue
                }
                logger.info("service throttled, retrying later", metadata: throttled)
                throw ServiceError(
                    .transient, service: service, status: answer.status,
                    message: "\(service.displayName) is throttling or unavailable (HTTP \(answer.status)); it will be tried again.",
                    retryAfter: answer.retryAfter)
            }
            return answer
        }
    }

    /// Whether `url` is on `origin`'s scheme, host and port. Our own URLs start with the
    /// endpoint's text, which is checked without parsing; anything else is parsed and compared.
    static func isOnOrigin(_ url: URL, _ origin: URL) -> Bool {
        let text = url.absoluteString
        let prefix = origin.absoluteString
        if text.hasPrefix(prefix), origin.user == nil && origin.password == nil {
            // The endpoint's own text, then a path, query or nothing: the same scheme, host and port.
            // (Anything else, such as "@other.host" or a longer port, is parsed below.)
            let rest = text.utf8.dropFirst(prefix.utf8.count)
            if prefix.hasSuffix("/") || rest.isEmpty || [UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#")].contains(rest.first!) {
                return true
            }
        }
        return url.hasSameOrigin(as: origin)
    }

    /// One exchange under the total deadline: the request, its answer's head and its whole body.
    private func once(
        _ method: HTTPMethod, _ url: URL, headers: [(String, String)], body: [UInt8]?, service: ServiceError.Service
    ) async throws -> HTTPAnswer {
        let request = {
            var request = HTTPClientRequest(url: url.absoluteString)
            request.method = method
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
            return request
        }()
        let limits = limits
        let client = transport.client
        let clock = clock
        return try await withThrowingTaskGroup(of: HTTPAnswer?.self) { group in
            group.addTask {
                let deadline = NIODeadline.now() + .nanoseconds(Int64(limits.requestDeadline.timeInterval * 1e9))
                let response = try await client.execute(request, deadline: deadline)
                let buffer: ByteBuffer
                do {
                    buffer = try await response.body.collect(upTo: limits.maxResponseBytes)
                } catch is NIOTooManyBytesError {
                    throw ServiceError(
                        .invalidResponse, service: service, status: Int(response.status.code),
                        message: "\(service.displayName) answered with more than \(limits.maxResponseBytes) bytes (the limit set by ServiceLimits.maxResponseBytes); the answer was not read.")
                }
                return HTTPAnswer(
                    status: Int(response.status.code), headers: response.headers, body: Array(buffer.readableBytesView),
                    receivedAt: clock.now())
            }
            group.addTask {
                try await Task.sleep(for: limits.requestDeadline)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let answer = first else { throw DeadlineExceeded() }
            return answer
        }
    }

    /// The whole exchange took longer than ``ServiceLimits/requestDeadline``.
    struct DeadlineExceeded: Error {}

    /// A transport failure in words, without the error's type name.
    static func describe(_ error: any Error, limits: ServiceLimits) -> String {
        if error is DeadlineExceeded {
            let seconds = limits.requestDeadline.timeInterval
            let shown = seconds >= 10 ? String(Int(seconds)) : String(format: "%g", (seconds * 10).rounded() / 10)
            return "no complete answer within \(shown) s, the limit set by ServiceLimits.requestDeadline"
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout: return "the request timed out"
            case .connectTimeout: return "connecting timed out"
            case .remoteConnectionClosed: return "the server closed the connection"
            case .cancelled: return "the request was cancelled"
            default: return "the connection failed"
            }
        }
        if let error = error as? IOError { return "the connection failed: \(error.localizedDescription)" }
        return "the connection failed"
    }

    private func pause(_ duration: Duration) async throws {
        try await clock.sleep(until: clock.now().addingTimeInterval(duration.timeInterval))
    }
}

extension URL {
    /// This URL with `path` appended (which may contain a query) — for building service URLs.
    /// Characters a URL cannot hold (a space in an org's name, say) are percent-encoded.
    func appending(raw path: String) -> URL {
        let text = absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + path
        if let url = URL(string: text) { return url }
        var legal = CharacterSet.urlQueryAllowed
        legal.insert(charactersIn: "%#")
        return URL(string: text.addingPercentEncoding(withAllowedCharacters: legal) ?? text) ?? self
    }

    /// Whether `self` has `other`'s scheme, host and port (defaults filled in), and no user info.
    func hasSameOrigin(as other: URL) -> Bool {
        user == nil && password == nil && scheme?.lowercased() == other.scheme?.lowercased()
            && host?.lowercased() == other.host?.lowercased() && (port ?? defaultPort) == (other.port ?? other.defaultPort)
    }

    /// `scheme://host:port`, for messages.
    var originDescription: String {
        "\(scheme ?? "?")://\(host ?? "?")\(port.map { ":\($0)" } ?? "")"
    }

    /// A link a service returned (a next page, a delta link), checked before a token is sent to
    /// it: it must parse and be on this URL's scheme, host and port.
    ///
    /// - Throws: ``ServiceError`` `invalidResponse` naming the link, so a broken or hostile answer
    ///   neither crashes the host nor sends its token elsewhere.
    func followable(_ link: String, from service: ServiceError.Service, redactor: SecretRedactor) throws -> URL {
        guard let url = URL(string: link), url.hasSameOrigin(as: self) else {
            throw ServiceError(
                .invalidResponse, service: service,
                message: "\(service.displayName) answered with a next-page link to another server or not a URL (\(redactor.excerpt(link, limit: 200))); it was not followed and no token was sent there.")
        }
        return url
    }

    private var defaultPort: Int? { scheme?.lowercased() == "https" ? 443 : scheme?.lowercased() == "http" ? 80 : nil }
}

/// Percent-encodes a query value.
func queryEscaped(_ value: String) -> String {
    var allowed = CharacterSet.urlQueryAllowed
    allowed.remove(charactersIn: "&=+?#/'")
    return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
}
