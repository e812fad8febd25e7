import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OnboardingConsole
import OnboardingEngine
import Testing

/// Who may do what: no credentials 401, a read-only user 403 for actions, a session cookie without
/// its CSRF token 403 — and none of them writes anything; every answer carries the security headers.
@Suite("The console's security")
struct ConsoleSecurityTests {
    @Test func withoutCredentialsEverythingIs401AndNothingIsWritten() async throws {
        let fixture = try ConsoleFixture()
        try await fixture.start("r1", mode: "fail", tenant: "contoso")
        let before = try await fixture.allEvents()
        try await fixture.withClient { client in
            for (uri, method) in [
                ("/api/runs", HTTPRequest.Method.get), ("/api/runs/r1", .get), ("/api/fleet", .get), ("/api/fleet.csv", .get),
                ("/api/runs/r1/tasks/import/retry", .post), ("/api/runs/r1/cancel", .post), ("/api/bulk/apply", .post),
                ("/api/bulk/preview", .post),
            ] {
                for headers in [HTTPFields(), basic("alice", "wrong-password"), basic("mallory", "alice-password-1")] {
                    try await client.execute(
                        uri: uri, method: method, headers: headers + json,
                        body: body(["reason": "x", "action": "retry", "filter": ["state": "failed"]])
                    ) { response throws in
                        #expect(response.status == .unauthorized, "\(method) \(uri)")
                        #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Basic") == true)
                        #expect(try object(response)["error"] as? [String: String] == [
                            "code": "unauthenticated",
                            "message": "Sign in: send HTTP Basic credentials of a console user, or a session cookie.",
                        ])
                    }
                }
            }
        }
        #expect(try await fixture.allEvents() == before)
        #expect(try await fixture.engine.run("r1").state == .failed)
    }

    @Test func aReadOnlyUserMayLookAndPreviewButEveryActionIs403() async throws {
        let fixture = try ConsoleFixture()
        try await fixture.start("r1", mode: "fail", tenant: "contoso")
        try await fixture.start("r2", mode: "wait", tenant: "fabrikam")
        let before = try await fixture.allEvents()
        try await fixture.withClient { client in
            for uri in ["/api/runs", "/api/runs/r1", "/api/fleet", "/api/fleet.csv", "/api/session"] {
                try await client.execute(uri: uri, method: .get, headers: bob) { #expect($0.status == .ok, "\(uri)") }
            }
            try await client.execute(
                uri: "/api/bulk/preview", method: .post, headers: bob + json,
                body: body(["action": "retry", "filter": ["state": ["failed"]], "reason": "look"])
            ) { #expect($0.status == .ok) }
            for uri in [
                "/api/runs/r1/tasks/import/retry", "/api/runs/r1/tasks/import/skip", "/api/runs/r2/tasks/relay/confirm",
                "/api/runs/r2/tasks/relay/signal", "/api/runs/r1/cancel", "/api/bulk/apply",
            ] {
                try await client.execute(
                    uri: uri, method: .post, headers: bob + json,
                    body: body(["reason": "because", "note": "done", "action": "retry", "filter": ["state": "failed"]])
                ) { response throws in
                    #expect(response.status == .forbidden, "\(uri)")
                    #expect((try object(response)["error"] as? [String: String])?["code"] == "forbidden")
                }
            }
        }
        #expect(try await fixture.allEvents() == before, "a refused action writes nothing")
    }

    @Test func aSessionCookieActsOnlyWithItsCSRFToken() async throws {
        let fixture = try ConsoleFixture()
        try await fixture.start("r1", mode: "fail", tenant: "contoso")
        let before = try await fixture.allEvents()
        try await fixture.withClient { client in
            let (cookie, token) = try await client.execute(uri: "/api/session", method: .post, headers: alice) { response throws in
                #expect(response.status == .ok)
                let setCookie = try #require(response.headers[.setCookie])
                #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
                let session = try object(response)
                #expect(session["user"] as? String == "alice" && session["role"] as? String == "operator")
                return (
                    String(setCookie.split(separator: ";")[0]), try #require(session["csrfToken"] as? String)
                )
            }
            let withCookie: HTTPFields = [.cookie: cookie]
            try await client.execute(uri: "/api/runs", method: .get, headers: withCookie) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/session", method: .get, headers: withCookie) { response throws in
                #expect(try object(response)["user"] as? String == "alice")
            }
            for tokenHeader in [HTTPFields(), [HTTPField.Name("X-CSRF-Token")!: "forged-\(token.prefix(10))"]] {
                try await client.execute(
                    uri: "/api/runs/r1/tasks/import/retry", method: .post, headers: withCookie + tokenHeader + json,
                    body: body(["reason": "via the page"])
                ) { response throws in
                    #expect(response.status == .forbidden)
                    #expect((try object(response)["error"] as? [String: String])?["code"] == "csrfRejected")
                }
            }
            #expect(try await fixture.allEvents() == before, "refused for lack of the token: nothing written")
            // A JSON body is required: a cross-site form cannot send one.
            try await client.execute(
                uri: "/api/runs/r1/tasks/import/retry", method: .post,
                headers: alice + [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: "reason=x")
            ) { #expect($0.status == .unsupportedMediaType) }
            try await client.execute(
                uri: "/api/runs/r1/tasks/import/retry", method: .post,
                headers: withCookie + [HTTPField.Name("X-CSRF-Token")!: token] + json, body: body(["reason": "via the page"])
            ) { response throws in
                #expect(response.status == .ok)
                #expect(try object(response)["actor"] as? String == "alice")
            }
            try await client.execute(
                uri: "/api/session", method: .delete, headers: withCookie + [HTTPField.Name("X-CSRF-Token")!: token]
            ) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/runs", method: .get, headers: withCookie) {
                #expect($0.status == .unauthorized, "signed out")
            }
        }
        let retried = try await fixture.engine.history(of: "r1").filter { $0.action == "task.retry-requested" }
        #expect(retried.map(\.actor) == ["alice"])
    }

    @Test func everyAnswerCarriesTheSecurityHeadersAndNoSecret() async throws {
        let fixture = try ConsoleFixture()
        try await fixture.start("r1", mode: "fail", tenant: "contoso")
        try await fixture.withClient { client in
            for (uri, headers) in [("/api/runs", alice), ("/api/runs/r1", alice), ("/api/runs", HTTPFields()), ("/nowhere", alice),
                ("/api/runs/ghost", alice), ("/api/fleet.csv", alice), ("/api/session", alice)]
            {
                try await client.execute(uri: uri, method: .get, headers: headers) { response throws in
                    let policy = try #require(response.headers[.contentSecurityPolicy], "\(uri)")
                    #expect(policy.contains("frame-ancestors 'none'") && policy.contains("script-src 'self'"))
                    #expect(!policy.contains("unsafe-inline"))
                    #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
                    #expect(response.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
                    #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
                    let text = String(buffer: response.body)
                    #expect(!text.contains("pbkdf2") && !text.contains("alice-password-1"), "\(uri)")
                    #expect(!text.contains("n0nce"), "the run's input is not shown: \(uri)")
                }
            }
            try await client.execute(uri: "/api/runs?search=n0nce", method: .get, headers: alice) { response throws in
                #expect(try object(response)["total"] as? Int == 0, "a search does not probe fields the host did not name")
            }
        }
    }
}
