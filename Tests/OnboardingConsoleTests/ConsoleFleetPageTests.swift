import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OnboardingConsole
import OnboardingEngine
import OnboardingEngineTesting
import Testing

/// The fleet page: per workflow and task, how many runs wait, failed or are blocked there and for how
/// long, each line a link to those runs; and the exports.
@Suite("The console's fleet page")
struct ConsoleFleetPageTests {
    @Test func theFleetPageCountsWhereRunsStoppedAndLinksToThem() async throws {
        let fixture = try ConsoleFixture()
        try await fixture.start("f1", mode: "fail", tenant: "contoso")
        try await fixture.start("f2", mode: "fail", tenant: "fabrikam")
        try await fixture.start("w1", mode: "wait", tenant: "northwind")
        try await fixture.start("w2", mode: "wait", tenant: "tailspin")
        try await fixture.start("c1", mode: "condition", tenant: "litware")
        try await fixture.start("ok", mode: "ok", tenant: "adatum")
        // The console looks three days and two minutes later than the runs stopped.
        let clock = ManualClock(start: Date().addingTimeInterval(3 * 86_400 + 120))
        let before = try await fixture.allEvents()
        try await fixture.withClient(clock: clock) { client in
            try await client.execute(uri: "/fleet", method: .get) { response throws in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/sign-in?next=%2Ffleet")
            }
            let session = try await PageSession.signIn(client, "bob", "bob-password-22")
            let html = try await session.page(client, "/fleet")
            #expect(html.contains("<a href=\"/fleet\">Fleet</a></nav>"), "in the header's navigation")
            #expect(html.contains("<h2>console-test <span class=\"muted\">(6 runs in the journal)</span></h2>"))
            for (link, sentence) in [
                ("workflow=console-test&amp;task=import&amp;state=failed", "2 of 6 runs failed at import"),
                ("workflow=console-test&amp;task=relay&amp;state=waiting", "2 of 6 runs wait at relay"),
                ("workflow=console-test&amp;task=spf&amp;state=waiting", "1 of 6 runs waits at spf"),
            ] {
                #expect(html.contains("<a href=\"/runs?\(link)\">\(sentence)</a>, oldest 3 days</td>"), "\(sentence)")
            }
            #expect(html.components(separatedBy: "<tr class=\"fleet-entry ").count - 1 == 3)
            #expect(html.contains("href=\"/api/fleet.csv\"") && html.contains("href=\"/api/fleet\""))
            #expect(!html.contains("style=\""), "no inline style for the CSP to block")

            // A line's link lists the runs it counts.
            let failed = try await session.page(client, "/runs?workflow=console-test&task=import&state=failed")
            for run in ["f1", "f2", "w1", "w2", "c1", "ok"] {
                #expect(failed.contains("href=\"/runs/\(run)\"") == ["f1", "f2"].contains(run), "\(run)")
            }
            // The exports it links to answer the page's session.
            try await client.execute(uri: "/api/fleet.csv", method: .get, headers: session.cookie) { response throws in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("console-test,import,failed,2,6,"))
            }
            try await client.execute(uri: "/api/fleet", method: .get, headers: session.cookie) { response throws in
                #expect(try (object(response)["entries"] as? [[String: Any]])?.count == 3)
            }
        }
        #expect(try await fixture.allEvents() == before)
    }

    @Test func aFleetWithNothingStoppedSaysSo() async throws {
        let fixture = try ConsoleFixture()
        try await fixture.start("ok", mode: "ok", tenant: "adatum")
        try await fixture.withClient { client in
            let session = try await PageSession.signIn(client, "alice", "alice-password-1")
            let html = try await session.page(client, "/fleet")
            #expect(html.contains("id=\"fleet-empty\">No unfinished run waits, failed or is blocked at a task.</p>"))
            #expect(html.contains("href=\"/api/fleet.csv\""))
        }
    }
}
