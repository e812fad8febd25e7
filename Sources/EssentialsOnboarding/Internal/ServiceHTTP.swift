import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import OnboardingEngine

/// One HTTP exchange's answer.
struct HTTPAnswer: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]

    /// `Retry-After` in seconds, when the service sent it.
    var retryAfter: Duration? {
        headers.first(name: "Retry-After").flatMap(Int.init).map { .seconds($0) }
    }

    func decode<T: Decodable>(_ type: T.Type, service: ServiceError.Service) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(body))
        } catch {
            throw ServiceError(
                .invalidResponse, service: service, status: status,
                message: "The \(service) answer could not be read as \(type): \(String(decoding: body.prefix(200), as: UTF8.self))")
        }
    }
}

/// Sends requests with AsyncHTTPClient and retries transient failures a few times inline.
///
/// 429, 503 and a dropped connection are retried here up to ``maxAttempts`` times when the wait
/// (the server's `Retry-After`, else a short backoff) is at most ``maxInlineWait``; longer waits
/// are handed to the engine as a retryable failure carrying the server's delay, so the backoff
/// is durable and survives a restart.
struct ServiceHTTP: Sendable {
    let client: HTTPClient
    let clock: any EngineClock
    var maxAttempts = 3
    var maxInlineWait: Duration = .seconds(10)
    var timeout: TimeAmount = .seconds(60)

    func send(
        _ method: HTTPMethod, _ url: URL, headers: [(String, String)] = [], body: [UInt8]? = nil,
        service: ServiceError.Service, retryStatuses: Set<Int> = [429, 503]
    ) async throws -> HTTPAnswer {
        var attempt = 0
        while true {
            attempt += 1
            let answer: HTTPAnswer
            do {
                answer = try await once(method, url, headers: headers, body: body)
            } catch let error where !(error is CancellationError) {
                guard attempt < maxAttempts else {
                    throw ServiceError(
                        .transient, service: service,
                        message: "The \(service) service could not be reached (\(error)); it will be tried again.")
                }
                try await pause(.milliseconds(200 * attempt))
                continue
            }
            if retryStatuses.contains(answer.status) {
                let wait = answer.retryAfter ?? .milliseconds(250 * attempt)
                if attempt < maxAttempts && wait <= maxInlineWait {
                    try await pause(wait)
                    continue
                }
                throw ServiceError(
                    .transient, service: service, status: answer.status,
                    message: "The \(service) service is throttling or unavailable (HTTP \(answer.status)); it will be tried again.",
                    retryAfter: answer.retryAfter)
            }
            return answer
        }
    }

    private func once(_ method: HTTPMethod, _ url: URL, headers: [(String, String)], body: [UInt8]?) async throws -> HTTPAnswer {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await client.execute(request, timeout: timeout)
        let buffer = try await response.body.collect(upTo: 32 << 20)
        return HTTPAnswer(status: Int(response.status.code), headers: response.headers, body: Array(buffer.readableBytesView))
    }

    private func pause(_ duration: Duration) async throws {
        let components = duration.components
        let seconds = Double(components.seconds) + Double(components.attoseconds) / 1e18
        try await clock.sleep(until: clock.now().addingTimeInterval(seconds))
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

    /// A link a service returned (a next page, a delta link), checked before a token is sent to
    /// it: it must parse and be on this URL's scheme, host and port.
    ///
    /// - Throws: ``ServiceError`` `invalidResponse` naming the link, so a broken or hostile answer
    ///   neither crashes the host nor sends its token elsewhere.
    func followable(_ link: String, from service: ServiceError.Service) throws -> URL {
        guard let url = URL(string: link), url.scheme?.lowercased() == scheme?.lowercased(),
            url.host?.lowercased() == host?.lowercased(), (url.port ?? url.defaultPort) == (port ?? defaultPort)
        else {
            throw ServiceError(
                .invalidResponse, service: service,
                message: "\(service.displayName) answered with a next-page link to another server or not a URL (\(link.prefix(200))); it was not followed and no token was sent there.")
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
