import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OnboardingConsole
import OnboardingEngine
import OnboardingEngineTesting
import Testing

/// API tokens (`Authorization: Bearer`) from the users file, and the sign-in rate limit.
@Suite("Console tokens and the sign-in limit")
struct ConsoleTokenAndSignInLimitTests {
    static let token = APIToken.generate(name: "nightly")
    static let readToken = APIToken.generate(name: "dashboard")
    static let users: UserDirectory = {
        var users = ConsoleFixture.users
        users.set(
            .init(
                user: ConsoleUser(name: "nightly", role: .operator),
                hash: try! PasswordHash(hashing: token, rounds: PasswordHash.minimumRounds), kind: .token))
        users.set(
            .init(
                user: ConsoleUser(name: "dashboard", role: .readOnly),
                hash: try! PasswordHash(hashing: readToken, rounds: PasswordHash.minimumRounds), kind: .token))
        return users
    }()

    @Test func aTokenLineSurvivesTheUsersFile() throws {
        let text = Self.users.text
        #expect(text.contains("\ntoken:nightly:operator:pbkdf2-sha256$"))
        #expect(!text.contains(Self.token))
        let read = try UserDirectory(parsing: text)
        #expect(read.entries == Self.users.entries)
        #expect(read.authenticate(token: Self.token) == ConsoleUser(name: "nightly", role: .operator))
        #expect(read.authenticate(token: Self.token + "x") == nil)
        #expect(read.authenticate(name: "nightly", password: Self.token) == nil, "a token is not a password")
        #expect(read.authenticate(token: "alice~alice-password-1") == nil, "a password is not a token")
        #expect(APIToken.name(of: Self.token) == "nightly")
        #expect(APIToken.name(of: "no-separator") == nil && APIToken.name(of: "bad name~x") == nil)
        // A user may be called `token`.
        let named = try UserDirectory(
            parsing: UserDirectory.Entry(
                user: ConsoleUser(name: "token", role: .operator), hash: Self.users.entries[0].hash
            ).line)
        #expect(named.entries.first?.kind == .password && named.entries.first?.user.name == "token")
    }

    @Test func aBearerTokenReadsAndActsUnderItsName() async throws {
        let fixture = try ConsoleFixture()
        try await fixture.start("r1", mode: "fail", tenant: "contoso")
        try await fixture.withClient(users: Self.users) { client in
            let bearer: HTTPFields = [.authorization: "Bearer \(Self.token)"]
            try await client.execute(uri: "/api/runs?state=failed", method: .get, headers: bearer) { response throws in
                #expect(response.status == .ok)
                #expect(try object(response)["total"] as? Int == 1)
            }
            for wrong in ["Bearer \(Self.token)x", "Bearer nightly~", "Bearer", "Bearer alice~alice-password-1"] {
                try await client.execute(uri: "/api/runs", method: .get, headers: [.authorization: wrong]) {
                    #expect($0.status == .unauthorized, "\(wrong)")
                }
            }
            try await client.execute(
                uri: "/api/runs/r1/tasks/import/retry", method: .post,
                headers: [.authorization: "Bearer \(Self.readToken)"] + json,
                body: body(["reason": "nightly"])
            ) { #expect($0.status == .forbidden) }
            try await client.execute(
                uri: "/api/runs/r1/tasks/import/retry", method: .post, headers: bearer + json,
                body: body(["reason": "nightly sweep"])
            ) { response throws in
                #expect(response.status == .ok)
                #expect(try object(response)["actor"] as? String == "nightly")
            }
            // A token does not open a session (the pages are for people).
            try await client.execute(uri: "/api/session", method: .post, headers: bearer) {
                #expect($0.status == .unauthorized)
            }
        }
        #expect(
            try await fixture.engine.history(of: "r1").last { $0.action == "task.retry-requested" }?.actor == "nightly")
    }

    @Test func fiveFailedSignInsForANameWaitAMinute() async throws {
        let fixture = try ConsoleFixture()
        let clock = ManualClock()
        try await fixture.withClient(clock: clock) { client in
            let (cookie, token) = try await PageSession.signInForm(client)
            func signIn(_ name: String, _ password: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/sign-in", method: .post, headers: cookie + PageSession.form,
                    body: ByteBuffer(string: PageSession.formBody(["csrf": token, "name": name, "password": password])))
            }
            for _ in 0..<5 { #expect(try await signIn("alice", "guess").status == .unauthorized) }
            clock.advance(by: .seconds(20))
            for password in ["guess", "alice-password-1"] {
                let refused = try await signIn("alice", password)
                #expect(refused.status == .tooManyRequests, "refused even with the right password")
                #expect(refused.headers[.retryAfter] == "40")
                #expect(String(buffer: refused.body).contains("Too many failed sign-ins; try again in 40 seconds."))
            }
            // The API's sign-in counts the same failures.
            try await client.execute(uri: "/api/session", method: .post, headers: alice) { response throws in
                #expect(response.status == .tooManyRequests)
                #expect(response.headers[.retryAfter] == "40")
                #expect((try object(response)["error"] as? [String: String])?["code"] == "tooManySignIns")
            }
            #expect(try await signIn("bob", "bob-password-22").status == .seeOther, "another name is not held up")
            clock.advance(by: .seconds(41))
            #expect(try await signIn("alice", "alice-password-1").status == .seeOther)
            for _ in 0..<5 {
                try await client.execute(uri: "/api/session", method: .post, headers: basic("bob", "guess")) {
                    #expect($0.status == .unauthorized)
                }
            }
            try await client.execute(uri: "/api/session", method: .post, headers: bob) {
                #expect($0.status == .tooManyRequests)
            }
        }
    }
}
