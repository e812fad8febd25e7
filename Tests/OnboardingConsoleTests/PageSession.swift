import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// A browser's view of the console's pages in a route test: signs in through the form, keeps the
/// session cookie, and reads the CSRF token off the pages.
struct PageSession: Sendable {
    /// `Cookie: onboard_console_session=…`.
    let cookie: HTTPFields
    /// The session's CSRF token, as the pages' forms carry it.
    let csrf: String

    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    /// Signs in as `name` with `password` through `GET` and `POST /sign-in`.
    static func signIn(_ client: any TestClientProtocol, _ name: String, _ password: String) async throws -> PageSession
    {
        let (signInCookie, token) = try await signInForm(client)
        let sessionCookie = try await client.execute(
            uri: "/sign-in", method: .post, headers: signInCookie + form,
            body: ByteBuffer(string: formBody(["csrf": token, "name": name, "password": password, "next": "/runs"]))
        ) { response throws in
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/runs")
            let cookies = response.headers[values: .setCookie]
            let session = try #require(cookies.first { $0.hasPrefix("onboard_console_session=") })
            #expect(session.contains("HttpOnly") && session.contains("SameSite=Strict"))
            return String(session.split(separator: ";")[0])
        }
        let cookie: HTTPFields = [.cookie: sessionCookie]
        let csrf = try await client.execute(uri: "/runs", method: .get, headers: cookie) { response throws in
            try #require(csrfToken(in: String(buffer: response.body)))
        }
        return PageSession(cookie: cookie, csrf: csrf)
    }

    /// The sign-in form's cookie and CSRF token.
    static func signInForm(_ client: any TestClientProtocol) async throws -> (HTTPFields, String) {
        try await client.execute(uri: "/sign-in", method: .get) { response throws in
            #expect(response.status == .ok)
            let cookie = try #require(
                response.headers[values: .setCookie].first { $0.hasPrefix("onboard_console_sign_in=") })
            let token = try #require(csrfToken(in: String(buffer: response.body)))
            return ([.cookie: String(cookie.split(separator: ";")[0])], token)
        }
    }

    /// The value of the first `name="csrf"` field of `html`.
    static func csrfToken(in html: String) -> String? {
        guard let field = html.range(of: "name=\"csrf\" value=\"") else { return nil }
        let rest = html[field.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    /// `fields` as `application/x-www-form-urlencoded`.
    static func formBody(_ fields: [String: String]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return fields.sorted { $0.key < $1.key }.map {
            "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        }.joined(separator: "&")
    }

    /// Posts a page's form with this session's cookie (and, unless `csrf` says otherwise, its token).
    func post<Value: Sendable>(
        _ client: any TestClientProtocol, _ uri: String, _ fields: [String: String], csrf: String? = nil,
        _ check: @escaping (TestResponse) async throws -> Value
    ) async throws -> Value {
        var fields = fields
        fields["csrf"] = csrf ?? self.csrf
        return try await client.execute(
            uri: uri, method: .post, headers: cookie + Self.form, body: ByteBuffer(string: Self.formBody(fields)),
            testCallback: check)
    }

    /// A page's HTML, expecting 200.
    func page(_ client: any TestClientProtocol, _ uri: String) async throws -> String {
        try await client.execute(uri: uri, method: .get, headers: cookie) { response throws in
            #expect(response.status == .ok, "\(uri)")
            return String(buffer: response.body)
        }
    }
}
