import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OnboardingConsole
import OnboardingEngine
import Testing

/// The HTML pages: sign-in, the run list with its filters, a run's page with its graph and forms,
/// and the forms' actions — with the session, CSRF and role rules, and every value escaped.
@Suite("The console's pages")
struct ConsolePagesTests {
    static let hostile = "<script>alert('x')</script>\"><img src=x onerror=alert(1)>&amp;"

    @Test(arguments: [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("\"><img src=x onerror=alert(1)>", "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"),
        ("a'b&c", "a&#39;b&amp;c"),
        ("&amp;", "&amp;amp;"),
        ("tab\tline\nnul\u{0}bell\u{7}c1\u{85}", "tab\tline\nnulbellc1"),
        ("Müller 🐧 ✓", "Müller 🐧 ✓"),
    ])
    func escapingLeavesNoMarkup(input: String, escaped: String) {
        #expect(HTML.escape(input) == escaped)
        let result = HTML.escape(input)
        #expect(!result.contains("<") && !result.contains(">") && !result.contains("\"") && !result.contains("'"))
    }

    @Test func aPathSegmentKeepsAChildRunsSlashInside() {
        #expect(HTML.pathSegment("RUN/child.example") == "RUN%2Fchild.example")
        #expect(HTML.pathSegment("a b?c#d") == "a%20b%3Fc%23d")
    }

    @Test func withoutASessionPagesSendToSignInAndFormsWriteNothing() async throws {
        let fixture = try ConsoleFixture()
        try await fixture.start("r1", mode: "fail", tenant: "contoso")
        let before = try await fixture.allEvents()
        try await fixture.withClient { client in
            for uri in ["/runs", "/runs?state=failed", "/runs/r1"] {
                try await client.execute(uri: uri, method: .get) { response throws in
                    #expect(response.status == .seeOther, "\(uri)")
                    #expect(response.headers[.location]?.hasPrefix("/sign-in?next=") == true)
                }
            }
            // Basic credentials do not open the pages: they are for scripts, the pages use the session.
            try await client.execute(uri: "/runs/r1", method: .get, headers: alice) { #expect($0.status == .seeOther) }
            try await client.execute(
                uri: "/runs/r1/actions", method: .post, headers: PageSession.form,
                body: ByteBuffer(string: "action=retry&task=import&reason=x&csrf=x")
            ) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/", method: .get) { #expect($0.headers[.location] == "/runs") }
            for asset in ["/console/console.js", "/console/console.css"] {
                try await client.execute(uri: asset, method: .get) { response throws in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
                }
            }
        }
        #expect(try await fixture.allEvents() == before)
    }

    @Test func signInChecksTheFormsTokenAndThePassword() async throws {
        let fixture = try ConsoleFixture()
        try await fixture.withClient { client in
            let (cookie, token) = try await PageSession.signInForm(client)
            // Another site's form: no sign-in cookie, or a token that is not the cookie's.
            for (headers, csrf) in [(HTTPFields(), token), (cookie, "forged")] {
                try await client.execute(
                    uri: "/sign-in", method: .post, headers: headers + PageSession.form,
                    body: ByteBuffer(
                        string: PageSession.formBody(["csrf": csrf, "name": "alice", "password": "alice-password-1"]))
                ) { response throws in
                    #expect(response.status == .forbidden)
                    #expect(!response.headers[values: .setCookie].contains { $0.hasPrefix("onboard_console_session=") })
                }
            }
            try await client.execute(
                uri: "/sign-in", method: .post, headers: cookie + PageSession.form,
                body: ByteBuffer(
                    string: PageSession.formBody(["csrf": token, "name": "alice", "password": "wrong-password"]))
            ) { response throws in
                #expect(response.status == .unauthorized)
                #expect(String(buffer: response.body).contains("That name and password do not match a console user."))
            }
            // An open redirect is not possible: `next` must be a path of the console.
            try await client.execute(
                uri: "/sign-in", method: .post, headers: cookie + PageSession.form,
                body: ByteBuffer(
                    string: PageSession.formBody([
                        "csrf": token, "name": "alice", "password": "alice-password-1", "next": "//evil.example/",
                    ]))
            ) { response throws in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/runs")
            }
            let session = try await PageSession.signIn(client, "alice", "alice-password-1")
            let html = try await session.page(client, "/runs")
            #expect(html.contains("Signed in as <strong>alice</strong>"))
            // Sign out with the token; the cookie then opens nothing.
            try await session.post(client, "/sign-out", [:]) { #expect($0.status == .seeOther) }
            try await client.execute(uri: "/runs", method: .get, headers: session.cookie) {
                #expect($0.status == .seeOther)
            }
        }
    }

    @Test func theRunListFiltersCountsAndLinksEachRun() async throws {
        let fixture = try ConsoleFixture()
        try await fixture.start("r1", mode: "fail", tenant: "contoso")
        try await fixture.start("r2", mode: "wait", tenant: "fabrikam")
        try await fixture.start("r3", mode: "ok", tenant: "northwind")
        try await fixture.start("r4", mode: "fail", tenant: "tailspin")
        try await fixture.withClient { client in
            let session = try await PageSession.signIn(client, "bob", "bob-password-22")
            let all = try await session.page(client, "/runs")
            for run in ["r1", "r2", "r3", "r4"] { #expect(all.contains("href=\"/runs/\(run)\"")) }
            #expect(all.contains("4 runs match"))
            #expect(all.range(of: "r4")!.lowerBound < all.range(of: "href=\"/runs/r1\"")!.lowerBound, "newest first")
            #expect(all.contains("data-state=\"failed\">failed <span class=\"count\">2</span>"))
            #expect(all.contains("<script src=\"/console/console.js\" defer></script>"))
            #expect(!all.contains("style=\""), "no inline style for the CSP to block")

            let failed = try await session.page(client, "/runs?state=failed")
            #expect(failed.contains("href=\"/runs/r1\"") && failed.contains("href=\"/runs/r4\""))
            #expect(!failed.contains("href=\"/runs/r2\"") && !failed.contains("href=\"/runs/r3\""))
            #expect(failed.contains("<option value=\"failed\" selected>"))
            #expect(failed.contains("<code>E1</code>"))

            for (query, runs) in [
                ("search=fabrikam", ["r2"]), ("task=relay", ["r2"]), ("code=E1", ["r1", "r4"]),
                ("stalled=false", ["r1", "r2", "r3", "r4"]),
                ("workflow=console-test&state=succeeded", ["r3"]), ("state=failed&search=tail", ["r4"]),
            ] {
                let html = try await session.page(client, "/runs?\(query)")
                for run in ["r1", "r2", "r3", "r4"] {
                    #expect(html.contains("href=\"/runs/\(run)\"") == runs.contains(run), "\(query): \(run)")
                }
            }
            // Paged: one run per page, a link to the next.
            let first = try await session.page(client, "/runs?state=failed&limit=1")
            #expect(first.contains("rel=\"next\" href=\"/runs?limit=1&amp;state=failed&amp;offset=1\""))
            try await client.execute(uri: "/runs?state=exploded", method: .get, headers: session.cookie) {
                response throws in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("Unknown state"))
            }
        }
    }

    @Test func aHostileTenantNameIsShownAsText() async throws {
        let fixture = try ConsoleFixture()
        try await fixture.start("r1", mode: "fail", tenant: Self.hostile, org: Self.hostile)
        try await fixture.withClient { client in
            let session = try await PageSession.signIn(client, "alice", "alice-password-1")
            for uri in ["/runs", "/runs/r1", "/runs?search=\(HTML.pathSegment("<script>"))"] {
                let html = try await session.page(client, uri)
                #expect(!html.contains("<script>alert") && !html.contains("<img src=x"), "\(uri)")
                #expect(
                    html.contains(
                        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&amp;amp;"
                    ), "\(uri)")
            }
        }
    }

    @Test func theRunPageDrawsTheGraphAndSaysWhatToDo() async throws {
        let fixture = try ConsoleFixture()
        try await fixture.start("r1", mode: "fail", tenant: "contoso")
        try await fixture.start("r2", mode: "wait", tenant: "fabrikam")
        try await fixture.withClient { client in
            let session = try await PageSession.signIn(client, "alice", "alice-password-1")
            let html = try await session.page(client, "/runs/r1")
            let svg = try #require(
                html.range(of: "<svg").flatMap { start in
                    html.range(of: "</svg>").map { html[start.lowerBound..<$0.upperBound] }
                })
            #expect(svg.components(separatedBy: "<g class=\"task ").count - 1 == 3, "one node per task")
            #expect(svg.contains("data-task=\"import\" data-state=\"failed\""))
            #expect(svg.contains("data-task=\"spf\" data-state=\"pending\""))
            #expect(svg.components(separatedBy: "class=\"edge\"").count - 1 == 2, "import → relay → spf")
            #expect(svg.contains("fill=\"#fbd9d6\""), "the failed task is red")
            #expect(html.contains("<h2>Last error</h2>") && html.contains("Graph refused the domain list."))
            #expect(html.contains("<code>support retry r1 import --journal /j</code>"), "the next step's full command")
            #expect(html.contains("<td>task.failed</td>"), "the timeline")
            #expect(html.contains("data-run=\"r1\""), "the script follows this run")
            for action in ["retry", "retry-from", "skip", "confirm", "signal", "cancel"] {
                #expect(html.contains("id=\"action-\(action)\""), "\(action)")
            }
            #expect(html.contains("<option value=\"import\" selected>"), "the stopped-at task is chosen")
            #expect(!html.contains("id=\"consent\""))
            let waiting = try await session.page(client, "/runs/r2")
            #expect(waiting.contains("href=\"https://login.example/common/adminconsent?client_id=c&amp;state=s-r2\""))
            try await client.execute(uri: "/runs/ghost", method: .get, headers: session.cookie) { response throws in
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body).contains("ghost"))
            }
            let child = try await session.page(client, "/runs/\(HTML.pathSegment("r1"))")
            #expect(child.contains("Run <span class=\"run-id\">r1</span>"))
        }
    }

    @Test func anActionFormActsAsTheSignedInUserAndComesBack() async throws {
        let fixture = try ConsoleFixture()
        try await fixture.start("r1", mode: "fail", tenant: "contoso")
        try await fixture.start("r2", mode: "wait", tenant: "fabrikam")
        try await fixture.withClient { client in
            let session = try await PageSession.signIn(client, "alice", "alice-password-1")
            let before = try await fixture.allEvents()
            // Without the session's token, or without a reason: nothing is written.
            try await session.post(
                client, "/runs/r1/actions", ["action": "retry", "task": "import", "reason": "x"], csrf: "forged"
            ) {
                #expect($0.status == .forbidden)
            }
            try await session.post(client, "/runs/r1/actions", ["action": "retry", "task": "import", "reason": " "]) {
                response throws in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/runs/r1")
            }
            #expect(try await session.page(client, "/runs/r1").contains("Not done: Say why"))
            #expect(try await fixture.allEvents() == before)

            for (run, fields) in [
                ("r1", ["action": "retry", "task": "import", "reason": "fixed the domain list"]),
                ("r2", ["action": "confirm", "task": "relay", "reason": "relay enabled"]),
            ] {
                try await session.post(client, "/runs/\(run)/actions", fields) { response throws in
                    #expect(response.status == .seeOther)
                    #expect(response.headers[.location] == "/runs/\(run)")
                }
                #expect(
                    try await session.page(client, "/runs/\(run)").contains(
                        "<p class=\"notice\" role=\"status\">Done: "))
            }
            let retried = try await fixture.engine.history(of: "r1").last { $0.action == "task.retry-requested" }
            #expect(retried?.actor == "alice" && retried?.reason == "fixed the domain list")
            let confirmed = try await fixture.engine.history(of: "r2").last { $0.action == "task.confirmed" }
            #expect(confirmed?.actor == "alice")
            try await session.post(
                client, "/runs/r1/actions",
                ["action": "skip", "task": "import", "reason": "by hand", "output": "{not json"]
            ) {
                #expect($0.status == .seeOther)
            }
            #expect(try await session.page(client, "/runs/r1").contains("Not done: The output is not JSON"))
            try await session.post(client, "/runs/r2/actions", ["action": "cancel", "reason": "customer left"]) {
                #expect($0.status == .seeOther)
            }
            #expect(try await fixture.engine.run("r2").state == .cancelled)
        }
    }

    @Test func aReadOnlyUserSeesNoFormsAndMayNotPost() async throws {
        let fixture = try ConsoleFixture()
        try await fixture.start("r1", mode: "fail", tenant: "contoso")
        let before = try await fixture.allEvents()
        try await fixture.withClient { client in
            let session = try await PageSession.signIn(client, "bob", "bob-password-22")
            let html = try await session.page(client, "/runs/r1")
            #expect(!html.contains("class=\"action\""))
            #expect(html.contains("<svg"))
            for action in ["retry", "retry-from", "skip", "confirm", "signal", "cancel"] {
                try await session.post(client, "/runs/r1/actions", ["action": action, "task": "import", "reason": "x"])
                { response throws in
                    #expect(response.status == .forbidden, "\(action)")
                    #expect(
                        String(buffer: response.body).contains("Your role may look but not act; nothing was written."))
                }
            }
        }
        #expect(try await fixture.allEvents() == before)
    }
}
