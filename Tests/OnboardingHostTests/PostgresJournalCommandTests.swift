import Foundation
import OnboardingEngineTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `onboard` with `--journal postgres://…` (or `ONBOARD_JOURNAL`), run as a process against a
/// fresh database on the test server for each case.
@Suite(
    "onboard on a PostgreSQL journal", .serialized, .timeLimit(.minutes(5)),
    .enabled(if: TestPostgres.enabled, TestPostgres.skipNote))
struct PostgresJournalCommandTests {
    /// The runs `onboard runs --json` lists, by id.
    static func runStates(_ journal: TestJournal, environment: [String: String] = [:]) async throws -> [String: String] {
        let result = try await journal.run(["runs", "--json"], environment: environment)
        #expect(result.status == 0, "\(result.output)")
        let runs = try #require(try jsonObject(result.stdout)["runs"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: runs.map { ($0["id"] as? String ?? "", $0["state"] as? String ?? "") })
    }

    @Test func theDemoRunsOnPostgreSQLAndRunsListsItSucceeded() async throws {
        try await TestPostgres.withJournal { journal in
            let password = "pg-password-never-printed"
            let demo = try await journal.run(["demo", "--propagation", "0"], environment: ["PGPASSWORD": password])
            #expect(demo.status == 0, "\(demo.output)")
            let line = try #require(demo.stdout.split(separator: "\n").first { $0.hasPrefix("Onboarding tenant") })
            let run = try #require(
                line.split(separator: " ").last?.trimmingCharacters(in: CharacterSet(charactersIn: "()")))
            #expect(demo.stdout.contains("Journal: \(journal.journal)"), "\(demo.stdout)")
            #expect(demo.stdout.contains("Inspect it with: onboard show \(run) --journal \(journal.journal)"))
            #expect(!demo.output.contains(password))

            await #expect(try Self.runStates(journal, environment: ["PGPASSWORD": password]) == [run: "succeeded"])
            let tenant = try journal.postgresDemoFolder.appendingPathComponent("\(run).tenant.json")
            #expect(FileManager.default.fileExists(atPath: tenant.path), "the demo tenant is kept in the state folder")
            let listing = try await journal.run(["runs"])
            let row = runsTable(listing.stdout).first { $0["RUN"] == run }
            #expect(row?["STATE"] == "succeeded" && row?["TASKS"] == "20 succeeded", "\(listing.output)")
        }
    }

    @Test func showGraphPermissionsAndConfirmWorkOnAParkedRun() async throws {
        try await TestPostgres.withJournal { journal in
            let run = try await journal.demo(["--admin-skips", "relay"], expecting: 3)
            let detail = try await journal.show(run)
            #expect(detail["state"] as? String == "waiting")
            let steps = try #require(detail["nextSteps"] as? [[String: Any]])
            #expect(steps.contains { $0["task"] as? String == "enable-relay" }, "\(steps)")
            let text = try await journal.run(["show", run])
            #expect(text.status == 0, "\(text.output)")
            #expect(text.stdout.contains("Run \(run) (m365-essentials-onboarding): waiting"), "\(text.stdout)")

            let graph = try await journal.run(["graph", "--run", run])
            #expect(graph.status == 0, "\(graph.output)")
            #expect(graph.stdout.contains("enable-relay"), "\(graph.stdout)")
            let permissions = try await journal.run(["permissions", "--run", run, "--json"])
            #expect(permissions.status == 0, "\(permissions.output)")
            #expect(try jsonObject(permissions.stdout)["run"] as? String == run)

            let confirmed = try await journal.run(["confirm", run, "enable-relay", "--actor", "alice", "--note", "relay on"])
            #expect(confirmed.status == 0, "\(confirmed.output)")
            #expect(confirmed.stdout.contains("Run \(run): succeeded"), "\(confirmed.stdout)")
            let event = try await #require(
                try journal.timeline(run).first { $0["action"] as? String == "task.confirmed" && $0["task"] as? String == "enable-relay" })
            #expect(event["actor"] as? String == "alice")
            await #expect(try Self.runStates(journal) == [run: "succeeded"])
        }
    }

    @Test func retryCancelAndAnUnknownRunWorkAsOnAFile() async throws {
        try await TestPostgres.withJournal { journal in
            let failed = try await journal.demo(["--fail", "import-domains"], expecting: 1)
            await #expect(try journal.taskStates(failed)["import-domains"] == "failed")
            let retried = try await journal.run(["retry", failed, "import-domains", "--reason", "Graph is back"])
            #expect(retried.status == 0, "\(retried.output)")
            #expect(retried.stdout.contains("Run \(failed): succeeded"), "\(retried.stdout)")

            let parked = try await journal.demo(["--no-admin"], expecting: 3)
            let cancelled = try await journal.run(["cancel", parked, "--reason", "customer left"])
            #expect(cancelled.status == 0, "\(cancelled.output)")
            await #expect(try Self.runStates(journal) == [failed: "succeeded", parked: "cancelled"])

            let unknown = try await journal.run(["show", "no-such-run"])
            expectOneLineError(unknown, status: 5, containing: "There is no run 'no-such-run'")
        }
    }

    @Test func aRunWhoseProcessWasKilledWaitsForItsLeaseAndShowDoesNotOfferAResume() async throws {
        try await TestPostgres.withJournal { journal in
            let crashed = try await journal.run(["demo", "--propagation", "0", "--crash-after", "inbound-connector"])
            #expect(crashed.status == 128 + 9, "\(crashed.output)")
            #expect(crashed.stdout.contains("Finish with: onboard resume demo-"), "\(crashed.stdout)")
            #expect(crashed.stdout.contains("--journal \(journal.journal)"), "\(crashed.stdout)")
            let run = try await #require(try Self.runStates(journal).first?.key)
            // The database cannot tell whether a process of another host is alive: only the lease's expiry says so.
            let detail = try await journal.show(run)
            #expect(detail["state"] as? String == "running")
            #expect(detail["stalled"] as? Bool == false)
            let steps = try #require(detail["nextSteps"] as? [[String: Any]])
            #expect(!steps.contains { $0["kind"] as? String == "resume" }, "\(steps)")
            let resumed = try await journal.run(["resume", run])
            expectOneLineError(resumed, status: 6, containing: "resume after the lease expires")
        }
    }

    @Test func theJournalComesFromONBOARD_JOURNALWithoutTheOption() async throws {
        try await TestPostgres.withJournal { journal in
            let environment = journal.environment.merging(["ONBOARD_JOURNAL": journal.journal]) { $1 }
            let demo = try await runOnboard(["demo", "--propagation", "0"], environment: environment)
            #expect(demo.status == 0, "\(demo.output)")
            #expect(demo.stdout.contains("Journal: \(journal.journal)"), "\(demo.stdout)")
            let runs = try await runOnboard(["runs", "--json"], environment: environment)
            #expect(runs.status == 0, "\(runs.output)")
            let listed = try #require(try jsonObject(runs.stdout)["runs"] as? [[String: Any]])
            #expect(listed.map { $0["state"] as? String } == ["succeeded"])
            await #expect(
                try Self.runStates(journal).values.sorted() == ["succeeded"], "the same database as --journal names")
            // No journal file was made in the default place.
            #expect(
                !FileManager.default.fileExists(
                    atPath: journal.stateFolder.appendingPathComponent("onboard/journal.sqlite").path))
        }
    }

    @Test func pruneRemovesEndedRunsAndRefusesVacuum() async throws {
        try await TestPostgres.withJournal { journal in
            let done = try await journal.demo([], expecting: 0)
            let parked = try await journal.demo(["--admin-skips", "relay"], expecting: 3)
            let vacuum = try await journal.run(["prune", "--older-than", "0m", "--vacuum"])
            #expect(vacuum.status == 64, "\(vacuum.output)")
            #expect(vacuum.stderr.contains("--vacuum rewrites an SQLite journal file"), "\(vacuum.stderr)")

            let preview = try await journal.run(["prune", "--older-than", "0m", "--dry-run", "--json"])
            #expect(preview.status == 0, "\(preview.output)")
            #expect(try jsonObject(preview.stdout)["runs"] as? [String] == [done])
            let export = journal.folder.appendingPathComponent("history")
            let pruned = try await journal.run(["prune", "--older-than", "0m", "--export", export.path])
            #expect(pruned.status == 0, "\(pruned.output)")
            #expect(pruned.stdout.contains("Removed 1 run(s)"), "\(pruned.stdout)")
            #expect(FileManager.default.fileExists(atPath: export.appendingPathComponent("\(done).json").path))
            await #expect(try journal.run(["show", done]).status == 5, "the pruned run is gone")
            await #expect(try Self.runStates(journal) == [parked: "waiting"], "the parked run is kept")
        }
    }

    @Test func aWorkerOnPostgreSQLFinishesARunAPersonRetried() async throws {
        try await TestPostgres.withJournal { journal in
            let run = try await journal.demo(["--fail", "import-domains"], expecting: 1)
            let server = try await CapturedProcess.start(
                ["serve", "--journal", journal.journal, "--log-level", "warning"], environment: journal.environment)
            defer { server.child.send(SIGKILL) }
            try await ServeCommandTests.waitUntil(30) { try await journal.show(run)["servedBy"] is String }
            #expect(server.stdoutSoFar.contains("Serving \(journal.journal) as "), "\(server.stdoutSoFar)")

            let retried = try await journal.run(["retry", run, "import-domains"])
            #expect(retried.status == 0, "\(retried.output)")
            #expect(retried.stdout.contains("serves this journal: it continues the run now"), "\(retried.stdout)")
            try await ServeCommandTests.waitUntil(90) { try await journal.show(run)["state"] as? String == "succeeded" }
            await #expect(try journal.show(run)["state"] as? String == "succeeded", "\(server.stdoutSoFar)")
            server.child.send(SIGTERM)
            #expect(try await server.child.exitStatus() == 0)
        }
    }
}
