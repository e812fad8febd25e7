import Foundation
import Testing

/// `onboard journal copy --from SRC --to DST`, run as a process: file to file here, a file into
/// PostgreSQL and back when a test server runs.
@Suite("onboard journal copy", .serialized, .timeLimit(.minutes(5)))
struct JournalCopyCommandTests {
    /// A path in `journal`'s folder where no file is.
    static func newFile(_ journal: TestJournal, _ name: String = "copy.sqlite") -> String {
        journal.folder.appendingPathComponent(name).path
    }

    /// The runs `onboard runs --json --journal JOURNAL` lists, by id, with their states.
    static func runStates(_ journal: String, environment: [String: String] = [:]) async throws -> [String: String] {
        let result = try await runOnboard(["runs", "--json", "--journal", journal], environment: environment)
        #expect(result.status == 0, "\(result.output)")
        let runs = try #require(try jsonObject(result.stdout)["runs"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: runs.map { ($0["id"] as? String ?? "", $0["state"] as? String ?? "") })
    }

    @Test func aFileIsCopiedIntoANewFileAndAParkedDemoRunFinishesFromTheCopy() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let done = try await journal.demo([], expecting: 0)
        let parked = try await journal.demo(["--admin-skips", "relay"], expecting: 3)
        let copy = Self.newFile(journal, "moved/copy.sqlite")
        try FileManager.default.createDirectory(
            atPath: journal.folder.appendingPathComponent("moved").path, withIntermediateDirectories: true)
        let source = try Data(contentsOf: URL(fileURLWithPath: journal.path))

        let result = try await runOnboard(["journal", "copy", "--from", journal.path, "--to", copy, "--json"])
        #expect(result.status == 0, "\(result.output)")
        let report = try jsonObject(result.stdout)
        #expect(report["runs"] as? [String] == [done, parked], "oldest first")
        #expect(report["from"] as? String == journal.path)
        #expect(report["to"] as? String == copy)
        #expect((report["events"] as? Int ?? 0) > 0)
        #expect(report["demoTenantFiles"] as? Int == 2)
        #expect(report["schemaVersion"] as? Int == 1)
        #expect(try Data(contentsOf: URL(fileURLWithPath: journal.path)) == source, "the source is unchanged")

        await #expect(try Self.runStates(copy) == [done: "succeeded", parked: "waiting"])
        let original = try await journal.show(parked)
        let shown = try await runOnboard(["show", parked, "--json", "--journal", copy])
        #expect(shown.status == 0, "\(shown.output)")
        let copied = try jsonObject(shown.stdout)
        #expect(
            (copied["timeline"] as? [[String: Any]])?.count == (original["timeline"] as? [[String: Any]])?.count,
            "the whole timeline")
        // The demo tenant came along, so the copy's run meets its tenant as it was.
        let confirmed = try await runOnboard(["confirm", parked, "enable-relay", "--journal", copy])
        #expect(confirmed.status == 0, "\(confirmed.output)")
        await #expect(try Self.runStates(copy)[parked] == "succeeded")
        await #expect(try journal.taskStates(parked)["enable-relay"] == "waiting", "the source's run is untouched")
    }

    @Test func aDestinationHoldingRunsIsRefusedWithExitCode10AndLeftAsItWas() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        _ = try await journal.demo([], expecting: 0)
        let other = try TestJournal()
        defer { other.remove() }
        let there = try await other.demo(["--no-admin"], expecting: 3)
        let before = try await Self.runStates(other.path)

        let result = try await runOnboard(["journal", "copy", "--from", journal.path, "--to", other.path])
        expectOneLineError(result, status: 10, containing: "already holds 1 run(s)")
        await #expect(try Self.runStates(other.path) == before)
        #expect(before.keys.contains(there))
    }

    @Test func aDamagedSourceStopsTheCopyNamingTheRunAndNoFileIsLeft() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let run = try await journal.demo([], expecting: 0)
        // Letters of the stored graph change on disk; SQLite itself sees nothing wrong.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: journal.path))
        let start = try #require(bytes.range(of: Data(#"[{"dependencies""#.utf8))).upperBound + 40
        for index in start..<(start + 64) where bytes[index] >= 0x61 && bytes[index] <= 0x7A {
            bytes[index] = bytes[index] == 0x7A ? 0x61 : bytes[index] + 1
        }
        try bytes.write(to: URL(fileURLWithPath: journal.path))
        let copy = Self.newFile(journal)

        let result = try await runOnboard(["journal", "copy", "--from", journal.path, "--to", copy])
        expectOneLineError(result, status: 4, containing: "graph of run '\(run)'")
        #expect(result.stderr.contains("nothing was written to \(copy)"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: copy), "the file made for the copy is removed again")
        #expect(try Data(contentsOf: URL(fileURLWithPath: journal.path)) == bytes, "the source is unchanged")
    }

    @Test func aMissingSourceAPasswordInAURLAndAnUnreachableServerAreOneLine() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let copy = Self.newFile(journal)
        let missing = try await runOnboard(["journal", "copy", "--from", Self.newFile(journal, "none.sqlite"), "--to", copy])
        expectOneLineError(missing, status: 4, containing: "There is no journal at")
        #expect(!FileManager.default.fileExists(atPath: copy), "nothing is created for a copy that cannot start")

        let password = "hunter2-in-the-url"
        for (from, to) in [
            ("postgres://onboarding:\(password)@127.0.0.1:5432/onboarding", copy),
            (journal.path, "postgres://onboarding:\(password)@127.0.0.1:5432/onboarding"),
        ] {
            let result = try await runOnboard(["journal", "copy", "--from", from, "--to", to])
            #expect(result.status == 64, "\(result.output)")
            #expect(result.stderr.contains("carries a password"), "\(result.stderr)")
            #expect(!result.output.contains(password))
        }

        _ = try await journal.demo([], expecting: 0)
        let unreachable = "postgres://onboarding@127.0.0.1:\(try PostgresURLTests.closedPort())/onboarding"
        let result = try await runOnboard(["journal", "copy", "--from", journal.path, "--to", unreachable])
        expectOneLineError(result, status: 4, containing: "cannot be reached")
        for name in PostgresURLTests.typeNames { #expect(!result.output.contains(name), "\(name): \(result.output)") }
    }

    // MARK: - PostgreSQL

    @Test(.enabled(if: TestPostgres.enabled, TestPostgres.skipNote))
    func aFileIsCopiedIntoPostgreSQLWhereItsRunsAreListedShownAndFinished() async throws {
        try await TestPostgres.withJournal { database in
            let file = try TestJournal()
            defer { file.remove() }
            let done = try await file.demo([], expecting: 0)
            let parked = try await file.demo(["--admin-skips", "relay"], expecting: 3)
            let password = "pg-password-never-printed"
            let environment = database.environment.merging(["PGPASSWORD": password]) { $1 }

            let copied = try await runOnboard(
                ["journal", "copy", "--from", file.path, "--to", database.journal], environment: environment)
            #expect(copied.status == 0, "\(copied.output)")
            #expect(copied.stdout.contains("Copied 2 run(s)"), "\(copied.stdout)")
            #expect(copied.stdout.contains("from \(file.path) to \(database.journal)"), "\(copied.stdout)")
            #expect(copied.stdout.contains("Copied 2 demo tenant file(s)"), "\(copied.stdout)")
            #expect(!copied.output.contains(password))

            await #expect(
                try Self.runStates(database.journal, environment: environment) == [
                    done: "succeeded", parked: "waiting",
                ])
            let shown = try await database.run(["show", done], environment: ["PGPASSWORD": password])
            #expect(shown.status == 0, "\(shown.output)")
            #expect(shown.stdout.contains("Run \(done) (m365-essentials-onboarding): succeeded"), "\(shown.stdout)")
            #expect(!shown.output.contains(password))
            await #expect(try database.timeline(done).count == (try file.timeline(done)).count)

            // The parked run continues on PostgreSQL with its tenant, copied into the state folder.
            let confirmed = try await database.run(["confirm", parked, "enable-relay", "--actor", "alice"])
            #expect(confirmed.status == 0, "\(confirmed.output)")
            #expect(confirmed.stdout.contains("Run \(parked): succeeded"), "\(confirmed.stdout)")

            // Copying again is refused: the database holds the runs now.
            let again = try await runOnboard(
                ["journal", "copy", "--from", file.path, "--to", database.journal], environment: environment)
            expectOneLineError(again, status: 10, containing: "already holds 2 run(s)")
            #expect(!again.output.contains(password))

            // And back into a new file, which lists the run finished on PostgreSQL.
            let back = Self.newFile(file, "back.sqlite")
            let returned = try await runOnboard(
                ["journal", "copy", "--from", database.journal, "--to", back], environment: environment)
            #expect(returned.status == 0, "\(returned.output)")
            await #expect(try Self.runStates(back) == [done: "succeeded", parked: "succeeded"])
        }
    }
}
