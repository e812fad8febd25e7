import AsyncHTTPClient
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `onboard console add-token`: a fresh token printed once, only its hash kept; `serve` takes it as
/// `Authorization: Bearer` and the token's name is the actor.
@Suite("onboard console add-token", .serialized, .timeLimit(.minutes(3)))
struct ConsoleAddTokenTests {
    @Test func aTokenIsPrintedOnceKeptHashedAndAcceptedByServe() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let failed = try await journal.demo(["--fail", "import-domains"], expecting: 1)
        let users = journal.folder.appendingPathComponent("users").path
        let added = try await runOnboard([
            "console", "add-token", "nightly", "--role", "operator", "--users", users, "--rounds", "210000",
        ])
        #expect(added.status == 0, "\(added.output)")
        let token = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("nightly~") && token.count > 40 && !token.contains("\n"), "\(added.stdout)")
        #expect(added.stderr.contains("it is shown once"))
        let file = try String(contentsOfFile: users, encoding: .utf8)
        #expect(file.hasPrefix("token:nightly:operator:pbkdf2-sha256$210000$") && !file.contains(token), "\(file)")
        let again = try await runOnboard([
            "console", "add-token", "nightly", "--role", "operator", "--users", users, "--rounds", "210000",
        ])
        #expect(again.stdout.trimmingCharacters(in: .whitespacesAndNewlines) != token, "a fresh token each time")
        let replaced = again.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        let server = try await CapturedProcess.start(
            ["serve", "--journal", journal.journal, "--log-level", "warning", "--http-port", "0", "--users", users])
        defer { server.child.send(SIGKILL) }
        let root = try await ConsoleBrowserTests.consoleRoot(server)
        func request(_ path: String, _ token: String, post body: String? = nil) async throws -> (UInt, String) {
            var request = HTTPClientRequest(url: root + path)
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            if let body {
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(.init(string: body))
            }
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            return (response.status.code, String(buffer: try await response.body.collect(upTo: 1 << 20)))
        }
        #expect(try await request("/api/runs?state=failed", token).0 == 401, "the replaced token no longer works")
        let (status, listing) = try await request("/api/runs?state=failed", replaced)
        #expect(status == 200 && listing.contains(failed), "\(listing)")
        let (acted, answer) = try await request(
            "/api/runs/\(failed)/tasks/import-domains/retry", replaced, post: #"{"reason": "nightly sweep"}"#)
        #expect(acted == 200 && answer.contains("\"actor\":\"nightly\""), "\(answer)")
    }
}
