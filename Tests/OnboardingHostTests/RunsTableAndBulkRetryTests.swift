import Foundation
import Testing

/// `onboard runs` as a table with tenant, org, the stopped task and its error code; the commands
/// `show` suggests carry `--journal` unless the journal is the default; `onboard retry --where`.
@Suite("onboard runs' columns, show's commands, retry --where", .serialized)
struct RunsTableAndBulkRetryTests {
    @Test func runsHasAHeaderAndAlignedColumnsWithTenantOrgStoppedTaskAndErrorCode() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let failed = try await journal.demo(["--fail", "import-domains"], expecting: 1)
        let waiting = try await journal.demo(["--admin-skips", "relay"], expecting: 3)

        let text = try await journal.run(["runs"])
        #expect(text.status == 0, "\(text.output)")
        let rows = runsTable(text.stdout)
        #expect(rows.map { $0["RUN"] } == [waiting, failed], "newest first: \(text.stdout)")
        // The demo's tenant id (a GUID) and its Essentials org.
        let tenant = try await #require(try journal.show(failed)["labels"] as? [String: String])["tenant"]
        #expect(tenant != nil && rows.last?["TENANT"] == tenant && rows.last?["ORG"] == "contoso.com", "\(text.stdout)")
        #expect(rows.last?["STATE"] == "failed")
        #expect(rows.last?["STOPPED AT"] == "import-domains (failed)", "\(text.stdout)")
        #expect(rows.last?["ERROR"] == "demoFailure", "\(text.stdout)")
        #expect(rows.first?["STOPPED AT"] == "enable-relay (waiting)", "\(text.stdout)")
        #expect(rows.first?["ERROR"] == "-")

        let filtered = try await journal.run(["runs", "--where", "task=import-domains,code=demoFailure"])
        #expect(runsTable(filtered.stdout).map { $0["RUN"] } == [failed], "\(filtered.output)")
        let json = try await jsonObject(try journal.run(["runs", "--json", "--where", "search=CONTOSO,state=waiting"]).stdout)
        let run = try #require((json["runs"] as? [[String: Any]])?.first)
        #expect(run["id"] as? String == waiting)
        #expect(run["labels"] as? [String: String] == ["tenant": tenant ?? "", "org": "contoso.com"])
        #expect((run["stoppedAt"] as? [String: Any])?["task"] as? String == "enable-relay")
        await #expect(try journal.run(["runs", "--where", "colour=red"]).status == 64)
    }

    @Test func everyCommandShowSuggestsNamesTheJournalUnlessItIsTheDefault() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let failed = try await journal.demo(["--fail", "import-domains"], expecting: 1)
        let text = try await journal.run(["show", failed])
        #expect(text.stdout.contains("then: onboard retry \(failed) import-domains --journal \(journal.journal)"), "\(text.stdout)")
        let commands = try await #require(try journal.show(failed)["nextSteps"] as? [[String: Any]]).compactMap { $0["command"] as? String }
        #expect(!commands.isEmpty && commands.allSatisfy { $0.hasSuffix("--journal \(journal.journal)") }, "\(commands)")

        // The default journal (no --journal, no ONBOARD_JOURNAL): a pasted command reaches it anyway.
        let state = journal.folder.appendingPathComponent("state").path
        let environment = ["XDG_STATE_HOME": state, "ONBOARD_JOURNAL": ""]
        let demo = try await runOnboard(["demo", "--fail", "import-domains", "--propagation", "0"], environment: environment)
        #expect(demo.status == 1, "\(demo.output)")
        let id = try #require(
            demo.stdout.split(separator: "\n").first { $0.hasPrefix("Onboarding tenant") }?.split(separator: " ").last?
                .trimmingCharacters(in: CharacterSet(charactersIn: "()")))
        let show = try await runOnboard(["show", id], environment: environment)
        #expect(show.stdout.contains("then: onboard retry \(id) import-domains\n"), "\(show.stdout)")
        #expect(!show.stdout.contains("--journal"), "\(show.stdout)")
    }

    @Test func retryWherePreviewsWritingNothingThenRetriesEachRunOnceWithTheActor() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let first = try await journal.demo(["--fail", "import-domains"], expecting: 1)
        let second = try await journal.demo(["--fail", "import-domains"], expecting: 1)
        let waiting = try await journal.demo(["--admin-skips", "relay"], expecting: 3)
        var before: [Int] = []
        for run in [first, second, waiting] { before.append(try await journal.timeline(run).count) }

        let filter = ["--where", "state=failed,task=import-domains"]
        let preview = try await journal.run(["retry"] + filter + ["--reason", "Graph outage over"])
        #expect(preview.status == 0, "\(preview.output)")
        #expect(preview.stdout.contains("Preview: nothing was written. 2 of 2 run(s) would be retried."), "\(preview.stdout)")
        let line = preview.stdout.split(separator: "\n").first { $0.hasPrefix(first + " ") }
        let tenant = try await #require(try journal.show(first)["labels"] as? [String: String])["tenant"] ?? ""
        #expect(line?.split(separator: " ").prefix(4) == ["\(first)", "\(tenant)", "import-domains", "would-apply"], "\(preview.stdout)")
        var after: [Int] = []
        for run in [first, second, waiting] { after.append(try await journal.timeline(run).count) }
        #expect(after == before, "a preview writes nothing")

        let applied = try await journal.run(["retry"] + filter + ["--reason", "Graph outage over", "--apply", "--actor", "ops-bot"])
        #expect(applied.status == 0, "\(applied.output)")
        #expect(applied.stdout.contains("Retried 2 of 2 run(s)"), "\(applied.stdout)")
        for run in [first, second] {
            let retries = try await journal.timeline(run).filter { $0["action"] as? String == "task.retry-requested" }
            #expect(retries.count == 1, "\(run)")
            #expect(retries.first?["actor"] as? String == "ops-bot" && retries.first?["reason"] as? String == "Graph outage over")
            await #expect(try journal.taskStates(run)["import-domains"] == "pending")
        }
        await #expect(try journal.timeline(waiting).count == before[2], "a run the filter left out")

        let report = try await jsonObject(
            try journal.run(["retry", "--where", "search=contoso.com", "--reason", "again", "--json"]).stdout)
        #expect(report["applied"] as? Bool == false && report["matched"] as? Int == 3)
        await #expect(try journal.run(["retry", "--where", "state=failed"]).status == 64, "a reason is required")
        await #expect(try journal.run(["retry", first, "import-domains", "--where", "state=failed", "--reason", "x"]).status == 64)
    }
}

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// `onboard serve --users FILE` mounts the console beside the consent callback, on loopback only.
@Suite("onboard serve with the console", .serialized, .timeLimit(.minutes(3)))
struct ServeConsoleTests {
    @Test func offLoopbackWithoutTLSServeRefusesInOneLine() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let result = try await journal.run(["serve", "--http-port", "0", "--bind", "0.0.0.0"])
        expectOneLineError(result, status: 64, containing: "--bind 0.0.0.0 is not a loopback address")
        #expect(!FileManager.default.fileExists(atPath: journal.path), "refused before anything was opened")
    }

    @Test func serveAnswersTheConsoleToItsUsersOnlyWithTheSecurityHeaders() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let failed = try await journal.demo(["--fail", "import-domains"], expecting: 1)
        let users = journal.folder.appendingPathComponent("users")
        let hash = "pbkdf2-sha256$210000$c2FsdHNhbHRzYWx0c2FsdA==$" + Data(repeating: 0, count: 32).base64EncodedString()
        try "nobody:operator:\(hash)\n".write(to: users, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: users.path)
        let add = try await runOnboard(
            ["console", "add-user", "alice", "--role", "operator", "--users", users.path],
            standardInput: Array("a long console password\n".utf8))
        #expect(add.status == 0, "\(add.output)")
        let file = try String(contentsOf: users, encoding: .utf8)
        #expect(file.contains("alice:operator:pbkdf2-sha256$600000$") && file.contains("nobody:operator:"), "\(file)")
        #expect(!file.contains("a long console password"))

        let server = try await CapturedProcess.start(
            ["serve", "--journal", journal.journal, "--log-level", "warning", "--http-port", "0", "--users", users.path])
        defer { server.child.send(SIGKILL) }
        var base: String?
        let deadline = Date().addingTimeInterval(30)
        while base == nil, Date() < deadline {
            base = server.stdoutSoFar.split(separator: "\n").first { $0.hasPrefix("Support console: ") }
                .map { String($0.dropFirst("Support console: ".count)) }
            try await Task.sleep(for: .milliseconds(50))
        }
        let root = try #require(base, "serve prints the console's URL: \(server.stdoutSoFar)")
        let authorization = "Basic " + Data("alice:a long console password".utf8).base64EncodedString()
        func get(_ address: String) async throws -> (Data, HTTPURLResponse) {
            var request = URLRequest(url: try #require(URL(string: address)))
            request.setValue(authorization, forHTTPHeaderField: "Authorization")
            let (data, response) = try await URLSession.shared.data(for: request)
            return (data, try #require(response as? HTTPURLResponse))
        }
        // (401 without credentials is checked by the route tests: FoundationNetworking's URLSession waits on a Basic challenge.)
        let (data, http) = try await get(root + "?state=failed")
        #expect(http.statusCode == 200)
        #expect(http.value(forHTTPHeaderField: "Content-Security-Policy")?.contains("frame-ancestors 'none'") == true)
        let listing = try jsonObject(String(decoding: data, as: UTF8.self))
        #expect((listing["runs"] as? [[String: Any]])?.map { $0["id"] as? String } == [failed])
        let detail = try jsonObject(String(decoding: try await get(root + "/" + failed).0, as: UTF8.self))
        let steps = try #require(detail["nextSteps"] as? [[String: Any]])
        #expect(steps.first?["command"] as? String == "onboard retry \(failed) import-domains --journal \(journal.journal)")
    }
}
