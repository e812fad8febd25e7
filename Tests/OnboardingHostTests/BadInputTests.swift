import Foundation
import Testing

@Suite("onboard with bad input: one line on stderr, a distinct exit code, nothing written", .serialized)
struct BadInputTests {
    /// Commands that name a run, with `RUN` for the run's id.
    static let runCommands: [[String]] = [
        ["show", "RUN"], ["show", "RUN", "--json"], ["resume", "RUN"], ["retry", "RUN", "import-domains"],
        ["retry", "RUN", "import-domains", "--from"], ["skip", "RUN", "import-domains", "--reason", "x"],
        ["confirm", "RUN", "admin-consent"], ["cancel", "RUN"], ["plan", "--run", "RUN"],
        ["permissions", "--run", "RUN"], ["graph", "--run", "RUN"],
    ]

    @Test(arguments: runCommands)
    func anUnknownRunIsExitCode5(_ command: [String]) async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        _ = try await journal.demo(["--no-admin"], expecting: 3)
        let result = try await journal.run(command.map { $0 == "RUN" ? "no-such-run" : $0 })
        expectOneLineError(result, status: 5, containing: "There is no run 'no-such-run'")
    }

    @Test(arguments: [
        ["retry", "RUN", "no-such-task"], ["retry", "RUN", "no-such-task", "--from"],
        ["skip", "RUN", "no-such-task", "--reason", "x"], ["confirm", "RUN", "no-such-task"],
    ])
    func anUnknownTaskIsExitCode5(_ command: [String]) async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let runID = try await journal.demo(["--no-admin"], expecting: 3)
        let before = try await journal.timeline(runID).count
        let result = try await journal.run(command.map { $0 == "RUN" ? runID : $0 })
        expectOneLineError(result, status: 5, containing: "no task 'no-such-task'")
        await #expect(try journal.timeline(runID).count == before)
    }

    @Test(arguments: runCommands + [["runs"], ["runs", "--json"]])
    func aTextFileIsNotAJournalAndIsLeftUntouched(_ command: [String]) async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let text = "not a journal, just notes\n"
        try text.write(toFile: journal.path, atomically: true, encoding: .utf8)
        let result = try await journal.run(command.map { $0 == "RUN" ? "some-run" : $0 })
        expectOneLineError(result, status: 4, containing: "not an SQLite database")
        #expect(try String(contentsOfFile: journal.path, encoding: .utf8) == text)
    }

    @Test(arguments: runCommands + [["runs"]])
    func aMissingJournalIsAnErrorAndIsNotCreated(_ command: [String]) async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let result = try await journal.run(command.map { $0 == "RUN" ? "some-run" : $0 })
        expectOneLineError(result, status: 4, containing: "There is no journal at")
        #expect(result.stderr.contains(journal.path))
        #expect(!FileManager.default.fileExists(atPath: journal.path))
    }

    @Test(arguments: [
        ["runs", "--state", "stuck"], ["skip", "some-run", "import-domains"], ["retry", "some-run"],
        ["graph", "--format", "png"], ["confirm", "some-run", "admin-consent", "--actor", ""], ["frobnicate"],
        ["demo", "--crash-after", "no-such-task"], ["demo", "--fail", "import-domain"], ["demo", "--admin-skips", "dns"],
        ["start", "--tenant", "t", "--org", "o", "--dns-port", "99999"], ["start", "--tenant", "t", "--org", "o", "--sync-hours=0"],
        ["start", "--tenant", "t", "--org", "o", "--max-idle-seconds=-1"],
    ])
    func aBadCommandLineIsExitCode64(_ command: [String]) async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let result = try await journal.run(command)
        #expect(result.status == 64, "\(result.output)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("Error:"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: journal.folder.path).isEmpty, "nothing written")
    }
}
