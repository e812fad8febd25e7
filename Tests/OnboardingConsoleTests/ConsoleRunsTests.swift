import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OnboardingConsole
import OnboardingEngine
import Testing

/// `GET /api/runs` with every filter, paging and counts; `GET /api/runs/{id}`; the fleet summary.
@Suite("The console's reads")
struct ConsoleRunsTests {
    /// Oldest first: failed at import (contoso), waiting at relay (fabrikam), succeeded (northwind),
    /// waiting for a condition at spf (contoso-eu), failed at import (tailspin), and a stalled one.
    static func seed(_ fixture: ConsoleFixture) async throws {
        try await fixture.start("r1", mode: "fail", tenant: "contoso", org: "contoso.com")
        try await fixture.start("r2", mode: "wait", tenant: "fabrikam")
        try await fixture.start("r3", mode: "ok", tenant: "northwind")
        try await fixture.start("r4", mode: "condition", tenant: "contoso-eu", org: "eu.contoso.com")
        try await fixture.start("r5", mode: "fail", tenant: "tailspin")
        try await fixture.start("r6/child.example", mode: "ok", tenant: "woodgrove")
        try rawSQL(fixture.temporary.path, "UPDATE runs SET state = 'running', lease_owner = NULL WHERE id = 'r6/child.example'")
    }

    static func ids(_ response: TestResponse) throws -> [String] {
        try #require(try object(response)["runs"] as? [[String: Any]]).compactMap { $0["id"] as? String }
    }

    @Test func everyFilterOfTheListSelectsItsRunsNewestFirst() async throws {
        let fixture = try ConsoleFixture()
        try await Self.seed(fixture)
        try await fixture.withClient { client in
            let expectations: [(String, [String])] = [
                ("", ["r6/child.example", "r5", "r4", "r3", "r2", "r1"]),
                ("state=failed", ["r5", "r1"]),
                ("state=failed&state=waiting", ["r5", "r4", "r2", "r1"]),
                ("state=failed,waiting", ["r5", "r4", "r2", "r1"]),
                ("workflow=console-test&state=succeeded", ["r3"]),
                ("workflow=other", []),
                ("search=CONTOSO", ["r4", "r1"]),
                ("search=eu.contoso", ["r4"]),
                ("search=r6%2Fchild", ["r6/child.example"]),
                ("task=import", ["r5", "r1"]),
                ("task=relay", ["r2"]),
                ("task=spf&state=waiting", ["r4"]),
                ("code=E1", ["r5", "r1"]),
                ("code=E1&search=tailspin", ["r5"]),
                ("stalled=true", ["r6/child.example"]),
                ("stalled=false&state=succeeded", ["r3"]),
            ]
            for (query, expected) in expectations {
                try await client.execute(uri: "/api/runs?\(query)", method: .get, headers: alice) { response throws in
                    #expect(response.status == .ok, "\(query)")
                    #expect(try Self.ids(response) == expected, "\(query)")
                    #expect(try object(response)["total"] as? Int == expected.count, "\(query)")
                }
            }
            for bad in ["state=stuck", "stalled=maybe", "limit=0", "limit=501", "offset=-1"] {
                try await client.execute(uri: "/api/runs?\(bad)", method: .get, headers: alice) { response throws in
                    #expect(response.status == .badRequest, "\(bad)")
                }
            }
        }
    }

    @Test func theListIsPagedCountedByStateAndSaysWhereEachRunStopped() async throws {
        let fixture = try ConsoleFixture()
        try await Self.seed(fixture)
        try await fixture.withClient { client in
            try await client.execute(uri: "/api/runs?limit=4", method: .get, headers: alice) { response throws in
                let page = try object(response)
                #expect(try Self.ids(response) == ["r6/child.example", "r5", "r4", "r3"])
                #expect(page["total"] as? Int == 6 && page["nextOffset"] as? Int == 4 && page["limit"] as? Int == 4)
                #expect(page["countsByState"] as? [String: Int] == ["failed": 2, "waiting": 2, "succeeded": 1, "running": 1])
            }
            try await client.execute(uri: "/api/runs?limit=4&offset=4&state=failed", method: .get, headers: alice) { response throws in
                #expect(try Self.ids(response).isEmpty)
                #expect(try object(response)["nextOffset"] == nil)
                #expect(try object(response)["countsByState"] as? [String: Int] == ["failed": 2, "waiting": 2, "succeeded": 1, "running": 1])
            }
            try await client.execute(uri: "/api/runs?search=contoso&limit=4&offset=1", method: .get, headers: alice) { response throws in
                #expect(try Self.ids(response) == ["r1"])
                let run = try #require((try object(response)["runs"] as? [[String: Any]])?.first)
                #expect(run["labels"] as? [String: String] == ["tenant": "contoso", "org": "contoso.com"])
                let stopped = try #require(run["stoppedAt"] as? [String: Any])
                #expect(stopped["task"] as? String == "import" && stopped["state"] as? String == "failed")
                #expect(stopped["errorCode"] as? String == "E1")
                #expect(stopped["errorMessage"] as? String == "Graph refused the domain list.")
                #expect(run["taskCounts"] as? [String: Int] == ["failed": 1, "pending": 2])
                #expect(run["stalled"] as? Bool == false)
            }
        }
    }

    @Test func aRunsDetailGivesTheErrorInWordsTheNextStepsWithTheHostsCommandAndTheTimeline() async throws {
        let fixture = try ConsoleFixture()
        try await Self.seed(fixture)
        try await fixture.withClient { client in
            try await client.execute(uri: "/api/runs/r1", method: .get, headers: alice) { response throws in
                #expect(response.status == .ok)
                let detail = try object(response)
                #expect(detail["state"] as? String == "failed")
                let error = try #require(detail["lastError"] as? [String: Any])
                #expect(error["message"] as? String == "Graph refused the domain list." && error["code"] as? String == "E1")
                let steps = try #require(detail["nextSteps"] as? [[String: Any]])
                #expect(steps.first?["command"] as? String == "support retry r1 import --journal /j")
                #expect(steps.first?["action"] as? String == "retry")
                #expect(detail["labels"] as? [String: String] == ["tenant": "contoso", "org": "contoso.com"])
                let timeline = try #require(detail["timeline"] as? [[String: Any]])
                #expect(timeline.first?["action"] as? String == "run.started")
                #expect(timeline.contains { $0["action"] as? String == "task.failed" })
                #expect((detail["tasks"] as? [[String: Any]])?.map { $0["id"] as? String } == ["import", "relay", "spf"])
            }
            try await client.execute(uri: "/api/runs/r6%2Fchild.example", method: .get, headers: alice) { response throws in
                #expect(try object(response)["id"] as? String == "r6/child.example")
                #expect(try object(response)["stalled"] as? Bool == true)
            }
            try await client.execute(uri: "/api/runs/ghost", method: .get, headers: alice) { response throws in
                #expect(response.status == .notFound)
                #expect((try object(response)["error"] as? [String: String])?["code"] == "unknownRun")
            }
        }
    }

    @Test func theFleetSummarySaysWhereUnfinishedRunsStoppedAsJSONAndCSV() async throws {
        let fixture = try ConsoleFixture()
        try await Self.seed(fixture)
        try await fixture.withClient { client in
            try await client.execute(uri: "/api/fleet", method: .get, headers: alice) { response throws in
                let entries = try #require(try object(response)["entries"] as? [[String: Any]])
                #expect(entries.map { "\($0["task"]!) \($0["state"]!) \($0["runs"]!)/\($0["workflowRuns"]!)" } == [
                    "import failed 2/6", "relay waiting 1/6", "spf waiting 1/6",
                ])
                #expect(entries.allSatisfy { ($0["oldestAgeSeconds"] as? Int).map { $0 >= 0 } == true })
            }
            try await client.execute(uri: "/api/fleet.csv", method: .get, headers: alice) { response throws in
                #expect(response.headers[.contentType] == "text/csv; charset=utf-8")
                let lines = String(buffer: response.body).split(separator: "\r\n")
                #expect(lines.first == "workflow,task,state,runs,workflow_runs,oldest_since,oldest_age_seconds")
                #expect(lines.count == 4)
                #expect(lines[1].hasPrefix("console-test,import,failed,2,6,"))
            }
        }
    }
}
