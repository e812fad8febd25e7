import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OnboardingConsole
import OnboardingEngine
import Testing

/// Retry, retry from, skip, confirm, signal and cancel through the API: each needs a reason, is
/// journaled with the signed-in user as its actor, and is refused (nothing written) when it does not apply.
@Suite("The console's actions")
struct ConsoleActionTests {
    static func post(
        _ client: any TestClientProtocol, _ uri: String, _ fields: [String: Any], headers: HTTPFields = alice
    ) async throws -> (HTTPResponse.Status, [String: Any]) {
        try await client.execute(uri: uri, method: .post, headers: headers + json, body: body(fields)) { response throws in
            (response.status, try object(response))
        }
    }

    @Test func everyActionIsJournaledWithTheUserAsActorAndItsReason() async throws {
        let fixture = try ConsoleFixture()
        try await fixture.start("failed", mode: "fail", tenant: "contoso")
        try await fixture.start("failed-2", mode: "fail", tenant: "contoso")
        try await fixture.start("skipped", mode: "fail", tenant: "contoso")
        try await fixture.start("waiting", mode: "wait", tenant: "fabrikam")
        try await fixture.start("condition", mode: "condition", tenant: "northwind")
        try await fixture.start("cancelled", mode: "wait", tenant: "tailspin")
        try await fixture.withClient { client in
            let cases: [(String, [String: Any], String, String)] = [
                ("/api/runs/failed/tasks/import/retry", ["reason": "Graph outage over"], "task.retry-requested", "Graph outage over"),
                ("/api/runs/failed-2/tasks/import/retry", ["reason": "again, all of it", "from": true], "task.retry-from-requested",
                    "again, all of it"),
                ("/api/runs/skipped/tasks/import/skip", ["reason": "imported by hand", "output": [String: String]()], "task.skipped",
                    "imported by hand"),
                ("/api/runs/waiting/tasks/relay/confirm", ["note": "relay on, J. Doe"], "task.confirmed", "relay on, J. Doe"),
                ("/api/runs/condition/tasks/spf/signal", ["reason": "SPF updated"], "task.signalled", "SPF updated"),
                ("/api/runs/cancelled/cancel", ["reason": "customer withdrew"], "run.cancelled", "customer withdrew"),
            ]
            for (uri, fields, action, reason) in cases {
                let (status, result) = try await Self.post(client, uri, fields)
                #expect(status == .ok, "\(uri): \(result)")
                #expect(result["actor"] as? String == "alice", "\(uri)")
                let run = RunID(String(uri.split(separator: "/")[2]))
                let events = try await fixture.engine.history(of: run).filter { $0.actor == "alice" }
                #expect(events.map(\.action).contains(action), "\(uri): \(events.map(\.action))")
                #expect(events.contains { $0.reason?.contains(reason) == true }, "\(uri): \(events.map(\.reason))")
            }
        }
        #expect(try await fixture.engine.tasks(of: "failed").first?.state == .pending)
        #expect(try await fixture.engine.tasks(of: "skipped").first?.state == .skipped)
        #expect(try await fixture.engine.tasks(of: "waiting").first { $0.id == "relay" }?.confirmation?.actor == "alice")
        #expect(try await fixture.engine.run("cancelled").state == .cancelled)
    }

    @Test func anActionWithoutAReasonOrThatDoesNotApplyIsRefusedAndWritesNothing() async throws {
        let fixture = try ConsoleFixture()
        try await fixture.start("failed", mode: "fail", tenant: "contoso")
        try await fixture.start("done", mode: "ok", tenant: "fabrikam")
        let before = try await fixture.allEvents()
        try await fixture.withClient { client in
            let refusals: [(String, [String: Any], HTTPResponse.Status, String)] = [
                ("/api/runs/failed/tasks/import/retry", [:], .badRequest, "badRequest"),
                ("/api/runs/failed/tasks/import/retry", ["reason": "   "], .badRequest, "badRequest"),
                ("/api/runs/failed/cancel", ["reason": "<why>"], .badRequest, "badRequest"),
                ("/api/runs/done/tasks/import/retry", ["reason": "why not"], .conflict, "invalidState"),
                ("/api/runs/failed/tasks/import/confirm", ["note": "did it"], .conflict, "invalidState"),
                ("/api/runs/failed/tasks/nope/retry", ["reason": "x"], .notFound, "unknownTask"),
                ("/api/runs/ghost/cancel", ["reason": "x"], .notFound, "unknownRun"),
                ("/api/runs/failed/tasks/import/reset", ["reason": "x"], .notFound, "notFound"),
                ("/api/runs/done/tasks/import/skip", ["reason": "x"], .conflict, "invalidState"),
            ]
            for (uri, fields, status, code) in refusals {
                let (answer, result) = try await Self.post(client, uri, fields)
                #expect(answer == status, "\(uri) \(fields): \(result)")
                #expect((result["error"] as? [String: String])?["code"] == code, "\(uri): \(result)")
            }
        }
        #expect(try await fixture.allEvents() == before)
    }
}
