import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OnboardingConsole
import OnboardingEngine
import Testing

/// Bulk actions: choose runs by filter, preview (nothing written), apply (one audited action per run).
@Suite("The console's bulk actions")
struct ConsoleBulkTests {
    @Test func aPreviewSaysWhatEachRunWouldDoAndWritesNothing() async throws {
        let fixture = try ConsoleFixture()
        try await fixture.start("f1", mode: "fail", tenant: "contoso")
        try await fixture.start("w1", mode: "wait", tenant: "fabrikam")
        try await fixture.start("f2", mode: "fail", tenant: "tailspin")
        let before = try await fixture.allEvents()
        try await fixture.withClient { client in
            let request: [String: Any] = ["action": "retry", "filter": ["state": ["failed", "waiting"]], "reason": "outage over"]
            try await client.execute(uri: "/api/bulk/preview", method: .post, headers: alice + json, body: body(request)) { response throws in
                #expect(response.status == .ok)
                let report = try object(response)
                #expect(report["applied"] as? Bool == false && report["matched"] as? Int == 3)
                let items = try #require(report["items"] as? [[String: Any]])
                #expect(items.map { "\($0["run"]!) \($0["task"]!) \($0["outcome"]!)" } == [
                    "f2 import would-apply", "w1 relay would-apply", "f1 import would-apply",
                ])
                #expect((items.first?["message"] as? String)?.contains("[E1] Graph refused the domain list.") == true)
                #expect(items.first?["labels"] as? [String: String] == ["tenant": "tailspin", "org": "tailspin.example"])
            }
            let confirm: [String: Any] = ["action": "confirm", "filter": ["search": "contoso"], "note": "done"]
            try await client.execute(uri: "/api/bulk/preview", method: .post, headers: alice + json, body: body(confirm)) { response throws in
                let items = try #require(try object(response)["items"] as? [[String: Any]])
                #expect(items.map { $0["outcome"] as? String } == ["would-refuse"], "import failed: nothing to confirm")
            }
        }
        #expect(try await fixture.allEvents() == before)
    }

    @Test func aBulkRetryOfFiftyFailedRunsRetriesEachOnceAndAllSucceed() async throws {
        let fixture = try ConsoleFixture()
        let ids = (1...50).map { String(format: "bulk-%02d", $0) }
        for id in ids { try await fixture.start(id, mode: "fail", tenant: "tenant-\(id)") }
        try await fixture.start("other", mode: "wait", tenant: "fabrikam")
        #expect(try await fixture.engine.runs(state: .failed).count == 50)
        try await fixture.withClient { client in
            let request: [String: Any] = [
                "action": "retry", "filter": ["state": "failed", "task": "import", "code": "E1"], "reason": "Graph outage over",
            ]
            try await client.execute(uri: "/api/bulk/apply", method: .post, headers: alice + json, body: body(request)) { response throws in
                #expect(response.status == .ok)
                let report = try object(response)
                #expect(report["applied"] as? Bool == true && report["matched"] as? Int == 50)
                #expect(report["outcomes"] as? [String: Int] == ["applied": 50])
                let items = try #require(report["items"] as? [[String: Any]])
                #expect(Set(items.compactMap { $0["run"] as? String }) == Set(ids))
            }
        }
        for id in ids {
            let audited = try await fixture.engine.history(of: RunID(id)).filter { $0.action == "task.retry-requested" }
            #expect(audited.count == 1, "\(id)")
            #expect(audited.first?.actor == "alice" && audited.first?.reason == "Graph outage over" && audited.first?.taskID == "import")
            #expect(try await fixture.engine.resume(RunID(id), graph: fixture.graph).state == .succeeded, "\(id)")
        }
        #expect(try await fixture.engine.runs(state: .succeeded).count == 50)
        #expect(try await fixture.engine.history(of: "other").allSatisfy { $0.actor != "alice" }, "a run the filter left out")
    }

    @Test func anApplyGoesOnPastARunItDoesNotApplyTo() async throws {
        let fixture = try ConsoleFixture()
        try await fixture.start("f1", mode: "fail", tenant: "contoso")
        try await fixture.start("w1", mode: "wait", tenant: "contoso")
        try await fixture.withClient { client in
            let request: [String: Any] = ["action": "retry", "task": "import", "filter": ["search": "contoso"], "reason": "again"]
            try await client.execute(uri: "/api/bulk/apply", method: .post, headers: alice + json, body: body(request)) { response throws in
                let report = try object(response)
                #expect(report["outcomes"] as? [String: Int] == ["applied": 1, "refused": 1])
                let refused = try #require((report["items"] as? [[String: Any]])?.first { $0["outcome"] as? String == "refused" })
                #expect(refused["run"] as? String == "w1")
                #expect((refused["message"] as? String)?.contains("succeeded") == true)
            }
            for bad: [String: Any] in [
                ["action": "reset", "filter": [:], "reason": "x"], ["action": "retry", "filter": ["colour": "red"], "reason": "x"],
                ["action": "retry", "filter": ["state": "failed"]],
            ] {
                try await client.execute(uri: "/api/bulk/apply", method: .post, headers: alice + json, body: body(bad)) { response throws in
                    #expect(response.status == .badRequest, "\(bad)")
                }
            }
        }
    }
}
