import Foundation
import Testing

@Suite("A run of a workflow onboard does not host", .serialized)
struct ForeignWorkflowTests {
    /// A journal holding runs of another host's workflow ("fixture"), made by the engine's tests.
    static func journal() throws -> TestJournal {
        let journal = try TestJournal()
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("OnboardingEngineTests/Fixtures/journal-v1.sqlite")
        try FileManager.default.copyItem(atPath: fixture.path, toPath: journal.path)
        return journal
    }

    @Test(arguments: [
        ["resume", "parked"], ["plan", "--run", "parked"], ["retry", "parked", "approve"], ["retry", "parked", "fetch", "--from"],
        ["skip", "parked", "approve", "--reason", "done by hand"], ["confirm", "parked", "approve"],
    ])
    func actionsThatNeedItsGraphAreRefusedBeforeWritingAnything(_ arguments: [String]) async throws {
        let journal = try Self.journal()
        defer { journal.remove() }
        let before = try await journal.run(["show", "parked", "--json"]).stdout
        let result = try await journal.run(arguments)
        expectOneLineError(result, status: 64, containing: "follows workflow 'fixture', which")
        await #expect(try journal.run(["show", "parked", "--json"]).stdout == before, "nothing was written")
    }

    @Test func withNoResumeTheActionIsRecordedForTheHostThatRunsIt() async throws {
        let journal = try Self.journal()
        defer { journal.remove() }
        let result = try await journal.run(["confirm", "parked", "approve", "--no-resume", "--note", "approved"])
        #expect(result.status == 0, "\(result.output)")
        let tasks = try await #require(try journal.show("parked")["tasks"] as? [[String: Any]])
        #expect(tasks.first { $0["id"] as? String == "approve" }?["confirmation"] != nil)
    }
}
