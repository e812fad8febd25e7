import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OnboardingConsole
import OnboardingEngine
import Testing

/// The bulk page: choose runs by the list's filters, preview (nothing written), apply as an operator
/// with the session's token (one audited action per run), and the result in words.
@Suite("The console's bulk page")
struct ConsoleBulkPageTests {
    /// Two failed runs and one waiting for a person.
    static func seeded() async throws -> ConsoleFixture {
        let fixture = try ConsoleFixture()
        try await fixture.start("f1", mode: "fail", tenant: "contoso")
        try await fixture.start("w1", mode: "wait", tenant: "contoso")
        try await fixture.start("f2", mode: "fail", tenant: "tailspin")
        return fixture
    }

    /// The timeline entries `actor` wrote in `run`.
    static func actions(of actor: String, in run: RunID, _ fixture: ConsoleFixture) async throws -> [JournalEvent] {
        try await fixture.engine.history(of: run).filter { $0.actor == actor }
    }

    @Test func thePreviewShowsWhatEachRunWouldDoAndWritesNothing() async throws {
        let fixture = try await Self.seeded()
        let before = try await fixture.allEvents()
        try await fixture.withClient { client in
            let session = try await PageSession.signIn(client, "alice", "alice-password-1")
            // The run list links to the bulk page with its filters; the header links to it too.
            let list = try await session.page(client, "/runs?state=failed&limit=1")
            #expect(list.contains("id=\"act-on-runs\" href=\"/bulk?state=failed\""))
            #expect(
                list.contains(
                    "<nav class=\"site\" id=\"site-nav\"><a href=\"/runs\">Runs</a><a href=\"/bulk\">Bulk actions</a>"))

            let form = try await session.page(client, "/bulk?state=failed")
            #expect(form.contains("<option value=\"failed\" selected>"), "the filters are kept")
            #expect(form.contains("2 runs match these filters."))
            #expect(!form.contains("id=\"bulk-apply-form\""))
            #expect(!form.contains("style=\""), "no inline style for the CSP to block")

            let preview = try await session.page(
                client, "/bulk?state=failed&action=retry&reason=outage%20over&preview=1")
            #expect(preview.contains("<h2>Preview: nothing was written</h2>"))
            #expect(preview.contains("2 runs match; the action would apply to 2 and not to 0."))
            for run in ["f1", "f2"] {
                #expect(preview.contains("<tr class=\"bulk-item outcome-would-apply\" data-run=\"\(run)\">"), "\(run)")
            }
            #expect(!preview.contains("data-run=\"w1\""))
            #expect(preview.contains("<span class=\"outcome would-apply\">would apply</span>"))
            #expect(preview.contains("Would retry &#39;import&#39; (now failed: [E1] Graph refused the domain list.)."))
            #expect(preview.contains("<option value=\"retry\" selected>"))
            #expect(preview.contains("id=\"bulk-apply-form\"") && preview.contains(">Apply to 2 runs</button>"))
            #expect(preview.contains("<input type=\"hidden\" name=\"reason\" value=\"outage over\">"))
            #expect(preview.contains("<input type=\"hidden\" name=\"previewed\" value=\"2\">"))

            // A confirm of the failed runs would not apply: no apply button.
            let refused = try await session.page(
                client, "/bulk?search=contoso&action=confirm&target=import&reason=done&preview=1")
            #expect(refused.contains("2 runs match; the action would apply to 0 and not to 2."))
            #expect(refused.contains("<span class=\"outcome would-refuse\">would not apply</span>"))
            #expect(!refused.contains("id=\"bulk-apply-form\""))

            // Without a reason: the form again with the problem, nothing run.
            try await client.execute(
                uri: "/bulk?state=failed&action=retry&preview=1", method: .get, headers: session.cookie
            ) { response throws in
                #expect(response.status == .badRequest)
                let html = String(buffer: response.body)
                #expect(html.contains("id=\"bulk-problem\">Say why"))
                #expect(html.contains("id=\"bulk-form\""))
            }
        }
        #expect(try await fixture.allEvents() == before)
    }

    @Test func anOperatorsApplyRetriesEachMatchedRunOnceAsThemAndShowsTheResults() async throws {
        let fixture = try await Self.seeded()
        try await fixture.withClient { client in
            let session = try await PageSession.signIn(client, "alice", "alice-password-1")
            let fields = [
                "state": "failed", "task": "import", "action": "retry", "reason": "Graph outage over", "previewed": "2",
            ]
            try await session.post(client, "/bulk/apply", fields) { response throws in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/bulk/result")
            }
            let result = try await session.page(client, "/bulk/result")
            #expect(result.contains("<strong>alice</strong> applied <strong>retry</strong>"))
            #expect(result.contains("2 runs the filters selected: 2 applied, 0 not applicable, 0 errors."))
            #expect(result.contains("<span class=\"outcome applied\">applied</span>"))
            #expect(result.contains("Marked &#39;import&#39; to run again with a fresh attempt budget."))
            #expect(!result.contains("id=\"bulk-changed\""), "the preview showed as many runs")
            #expect(result.contains("href=\"/runs?state=failed&amp;task=import\""), "back to these runs")
            // Reloading the result shows it again; it does not apply again.
            _ = try await session.page(client, "/bulk/result")
            for run: RunID in ["f1", "f2"] {
                let audited = try await Self.actions(of: "alice", in: run, fixture)
                #expect(audited.map(\.action) == ["task.retry-requested"], "\(run)")
                #expect(audited.first?.reason == "Graph outage over" && audited.first?.taskID == "import")
                #expect(try await fixture.engine.resume(run, graph: fixture.graph).state == .succeeded, "\(run)")
            }
            #expect(try await Self.actions(of: "alice", in: "w1", fixture).isEmpty, "a run the filter left out")

            // A run the action does not apply to is left alone, and said so.
            try await session.post(
                client, "/bulk/apply",
                ["search": "contoso", "action": "retry", "target": "import", "reason": "again", "previewed": "1"]
            ) { #expect($0.status == .seeOther) }
            let mixed = try await session.page(client, "/bulk/result")
            #expect(mixed.contains("0 applied, 2 not applicable, 0 errors."))
            #expect(mixed.contains("<span class=\"outcome refused\">not applicable</span>"))
            #expect(mixed.contains("id=\"bulk-changed\">The preview showed 1 run; 2 matched"))
            #expect(try await Self.actions(of: "alice", in: "w1", fixture).isEmpty)

            // Without a reason: back to the form, nothing written.
            let before = try await fixture.allEvents()
            try await session.post(client, "/bulk/apply", ["state": "waiting", "action": "confirm", "reason": " "]) {
                response throws in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/bulk?state=waiting&action=confirm&reason=%20")
            }
            #expect(
                try await session.page(client, "/bulk?state=waiting&action=confirm").contains(
                    "<p class=\"notice\" role=\"status\">Not done: Say why"))
            #expect(try await fixture.allEvents() == before)
        }
    }

    @Test func anApplyWithoutTheSessionsTokenOrASessionIsRefusedAndWritesNothing() async throws {
        let fixture = try await Self.seeded()
        let before = try await fixture.allEvents()
        let fields = ["state": "failed", "action": "retry", "reason": "x"]
        try await fixture.withClient { client in
            for uri in ["/bulk", "/bulk?state=failed&action=retry&reason=x&preview=1", "/bulk/result"] {
                try await client.execute(uri: uri, method: .get) { response throws in
                    #expect(response.status == .seeOther, "\(uri)")
                    #expect(response.headers[.location]?.hasPrefix("/sign-in?next=%2Fbulk") == true, "\(uri)")
                }
            }
            try await client.execute(
                uri: "/bulk/apply", method: .post, headers: PageSession.form,
                body: ByteBuffer(string: PageSession.formBody(fields.merging(["csrf": "x"]) { $1 }))
            ) { #expect($0.status == .unauthorized) }
            // Basic credentials do not open the pages either.
            try await client.execute(
                uri: "/bulk/apply", method: .post, headers: alice + PageSession.form,
                body: ByteBuffer(string: PageSession.formBody(fields))
            ) { #expect($0.status == .unauthorized) }

            let session = try await PageSession.signIn(client, "alice", "alice-password-1")
            try await session.post(client, "/bulk/apply", fields, csrf: "forged") { response throws in
                #expect(response.status == .forbidden)
                #expect(String(buffer: response.body).contains("nothing was written"))
            }
            try await client.execute(
                uri: "/bulk/apply", method: .post, headers: session.cookie + PageSession.form,
                body: ByteBuffer(string: PageSession.formBody(fields))
            ) { #expect($0.status == .forbidden, "no token at all") }
            // Nothing was kept to show either.
            try await client.execute(uri: "/bulk/result", method: .get, headers: session.cookie) { response throws in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/bulk")
            }
        }
        #expect(try await fixture.allEvents() == before)
    }

    @Test func aReadOnlyUserMayPreviewButGetsNoApplyFormAnd403() async throws {
        let fixture = try await Self.seeded()
        let before = try await fixture.allEvents()
        try await fixture.withClient { client in
            let session = try await PageSession.signIn(client, "bob", "bob-password-22")
            let preview = try await session.page(client, "/bulk?state=failed&action=retry&reason=x&preview=1")
            #expect(preview.contains("2 runs match; the action would apply to 2 and not to 0."))
            #expect(!preview.contains("id=\"bulk-apply-form\"") && !preview.contains("action=\"/bulk/apply\""))
            #expect(preview.contains("id=\"bulk-read-only\""))
            try await session.post(client, "/bulk/apply", ["state": "failed", "action": "retry", "reason": "x"]) {
                response throws in
                #expect(response.status == .forbidden)
                #expect(String(buffer: response.body).contains("Your role may look but not act; nothing was written."))
            }
        }
        #expect(try await fixture.allEvents() == before)
    }

    @Test func aHostileReasonOrSearchIsShownAsText() async throws {
        let fixture = try ConsoleFixture()
        let hostile = ConsolePagesTests.hostile
        try await fixture.start("r1", mode: "fail", tenant: hostile)
        let escaped =
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&amp;amp;"
        try await fixture.withClient { client in
            let session = try await PageSession.signIn(client, "alice", "alice-password-1")
            let list = try await session.page(client, "/runs?search=\(HTML.pathSegment(hostile))")
            #expect(!list.contains("<script>alert") && !list.contains("<img src=x"))
            for query in [
                [("search", hostile), ("reason", hostile)],
                [
                    ("search", "script"), ("action", "retry"), ("reason", hostile), ("target", hostile),
                    ("preview", "1"),
                ],
                [("search", "script"), ("action", "skip"), ("reason", "r"), ("output", hostile), ("preview", "1")],
            ] {
                try await client.execute(uri: "/bulk?" + HTML.query(query), method: .get, headers: session.cookie) {
                    response throws in
                    let html = String(buffer: response.body)
                    #expect(!html.contains("<script>alert") && !html.contains("<img src=x"), "\(query)")
                    #expect(html.contains(escaped), "\(query)")
                }
            }
            try await session.post(client, "/bulk/apply", ["search": "script", "action": "retry", "reason": hostile]) {
                #expect($0.status == .seeOther)
            }
            let result = try await session.page(client, "/bulk/result")
            #expect(!result.contains("<script>alert") && !result.contains("<img src=x"))
            #expect(result.contains("id=\"bulk-reason-applied\">\(escaped)</span>"))
            #expect(try await Self.actions(of: "alice", in: "r1", fixture).first?.reason == hostile)
        }
    }
}
