import AsyncHTTPClient
import Foundation
import NIOCore

/// A tiny client of the W3C WebDriver protocol (HTTP and JSON), enough for `chromedriver` to drive
/// headless Chromium through the console: open a session, go to a page, find elements by CSS, click,
/// type, read text, take a screenshot.
struct WebDriver: Sendable {
    /// What the driver answered with an error (`{"value": {"error", "message"}}`).
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The driver's address, e.g. `http://127.0.0.1:9515`.
    let endpoint: String
    /// The session's id.
    let session: String

    /// The key of an element reference in WebDriver's JSON.
    static let elementKey = "element-6066-11e4-a52e-4f735466cecf"

    /// Starts a browser session with `capabilities` (`alwaysMatch`).
    static func start(endpoint: String, capabilities: [String: Any]) async throws -> WebDriver {
        let value = try await call(endpoint, "POST", "/session", ["capabilities": ["alwaysMatch": capabilities]])
        guard let object = value as? [String: Any], let session = object["sessionId"] as? String else {
            throw Failure(description: "no session id in \(String(describing: value))")
        }
        return WebDriver(endpoint: endpoint, session: session)
    }

    /// Whether the driver answers `GET /status` as ready; throws when it does not answer.
    static func isReady(endpoint: String) async throws -> Bool {
        let value = try await call(endpoint, "GET", "/status", nil) as? [String: Any]
        return value?["ready"] as? Bool ?? false
    }

    /// Ends the session (the browser quits).
    func quit() async { _ = try? await Self.call(endpoint, "DELETE", "/session/\(session)", nil) }

    func go(to url: String) async throws { _ = try await command("POST", "/url", ["url": url]) }

    var currentURL: String { get async throws { try await command("GET", "/url", nil) as? String ?? "" } }

    /// The first element `css` selects, or `nil`.
    func element(_ css: String) async throws -> String? {
        try await elements(css).first
    }

    /// Every element `css` selects.
    func elements(_ css: String) async throws -> [String] {
        let value = try await command("POST", "/elements", ["using": "css selector", "value": css])
        return (value as? [[String: Any]] ?? []).compactMap { $0[Self.elementKey] as? String }
    }

    /// The element `css` selects; fails when there is none.
    func require(_ css: String) async throws -> String {
        guard let element = try await element(css) else { throw Failure(description: "no element matches \(css)") }
        return element
    }

    func click(_ element: String) async throws { _ = try await command("POST", "/element/\(element)/click", [:]) }

    func type(_ text: String, into element: String) async throws {
        _ = try await command("POST", "/element/\(element)/value", ["text": text])
    }

    func text(_ element: String) async throws -> String {
        try await command("GET", "/element/\(element)/text", nil) as? String ?? ""
    }

    func attribute(_ name: String, of element: String) async throws -> String? {
        try await command("GET", "/element/\(element)/attribute/\(name)", nil) as? String
    }

    /// A DOM property (`value` of a `select`: the chosen option's).
    func property(_ name: String, of element: String) async throws -> String? {
        try await command("GET", "/element/\(element)/property/\(name)", nil) as? String
    }

    /// The visible text of the page's body.
    func bodyText() async throws -> String { try await text(try await require("body")) }

    /// A PNG of the viewport.
    func screenshot() async throws -> Data {
        guard let base64 = try await command("GET", "/screenshot", nil) as? String,
            let data = Data(base64Encoded: base64)
        else {
            throw Failure(description: "the screenshot is not base64")
        }
        return data
    }

    /// Sets the window's size (the screenshots' size).
    func resize(width: Int, height: Int) async throws {
        _ = try await command("POST", "/window/rect", ["width": width, "height": height])
    }

    private func command(_ method: String, _ path: String, _ body: [String: Any]?) async throws -> Any? {
        try await Self.call(endpoint, method, "/session/\(session)\(path)", body)
    }

    private static func call(_ endpoint: String, _ method: String, _ path: String, _ body: [String: Any]?) async throws
        -> Any?
    {
        var request = HTTPClientRequest(url: endpoint + path)
        request.method = .init(rawValue: method)
        if let body {
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
            request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(90))
        let data = Data(buffer: try await response.body.collect(upTo: 64 << 20))
        let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) as? [String: Any]
        let value = object?["value"]
        if response.status.code >= 400 {
            let error = value as? [String: Any]
            throw Failure(
                description:
                    "\(method) \(path): \(response.status.code) \(error?["error"] ?? "") \(error?["message"] ?? String(decoding: data, as: UTF8.self))"
            )
        }
        return value is NSNull ? nil : value
    }
}
