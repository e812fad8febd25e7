import Foundation
import Logging
import OnboardingEngine
import OnboardingEngineTesting
import Testing

@Suite("Retention: runs that ended long ago are pruned; live ones never")
struct RetentionTests {
    /// Leaves a one-task run whose task succeeded (`outcome == nil`) or ended with `outcome`.
    private func leave(_ harness: Harness, _ id: RunID, _ outcome: TaskInterruption?) async throws {
        let task = ClosureTask(id: "only", retryPolicy: .none, output: String.self) { _ in
            if let outcome { throw outcome }
            return String(repeating: "x", count: 20_000)  // some bytes, so pruning visibly frees pages
        }
        _ = try await harness.engine.start(try TaskGraph(workflow: "w", tasks: [task]), id: id, input: Empty())
    }

    @Test func endedRunsOlderThanTheCutoffGoAndEverythingElseStays() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        for index in 0..<6 { try await leave(harness, RunID("old-ok-\(index)"), nil) }
        try await leave(harness, "old-failed", .permanent("no"))
        try await leave(harness, "old-waiting", .waitingForPerson(action: "Do it."))
        try await leave(harness, "old-blocked", .blocked(missing: ["Domain.Read.All"]))
        harness.clock.advance(by: .seconds(86_400 * 100))
        let cutoff = harness.clock.now().addingTimeInterval(-86_400 * 90)
        try await leave(harness, "recent-ok", nil)

        let preview = try harness.journal.prune(endedBefore: cutoff, dryRun: true)
        #expect(Set(preview.runs.map(\.id)) == Set((0..<6).map { RunID("old-ok-\($0)") } + ["old-failed"]))
        #expect(try harness.journal.runs().count == 10, "a dry run changes nothing")

        let report = try harness.journal.prune(endedBefore: cutoff, batchSize: 2)
        #expect(report.runs.count == 7)
        #expect(report.events == preview.events && report.events > 0)
        #expect(report.bytesAfter < report.bytesBefore, "the file shrank: \(report.bytesBefore) → \(report.bytesAfter)")
        #expect(Set(try harness.journal.runs().map(\.id)) == ["old-waiting", "old-blocked", "recent-ok"])
        #expect(try harness.journal.events(of: "old-waiting").count > 0)
        let error = #expect(throws: EngineError.self) { _ = try harness.journal.tasks(of: "old-ok-0") }
        #expect(error?.code == .unknownRun)
    }

    /// `VACUUM` in WAL mode writes the rewritten file into the WAL: until a checkpoint the journal
    /// with its WAL is larger than before, and `onboard prune --vacuum` reported that it grew.
    @Test func vacuumingAfterAPruneLeavesTheJournalNoLargerOnDisk() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        for index in 0..<6 { try await leave(harness, RunID("old-\(index)"), nil) }
        harness.clock.advance(by: .seconds(86_400 * 100))
        let report = try harness.journal.prune(endedBefore: harness.clock.now())
        #expect(report.runs.count == 6)
        try harness.journal.vacuum()
        let after = harness.journal.sizeOnDisk()
        #expect(after <= report.bytesAfter, "vacuum made it larger on disk: \(report.bytesAfter) → \(after)")
        let wal = (try? FileManager.default.attributesOfItem(atPath: harness.temporary.path + "-wal"))?[.size] as? NSNumber
        #expect((wal?.int64Value ?? 0) == 0, "the WAL was checkpointed into the file")
    }

    @Test func theEventLogOfALiveRunStaysAppendOnly() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        try await leave(harness, "waiting", .waitingForPerson(action: "Do it."))
        try await leave(harness, "done", nil)
        #expect(throws: (any Error).self) {
            try rawSQL(harness.temporary.path, "DELETE FROM events WHERE run_id = 'waiting'")
        }
        #expect(throws: (any Error).self) {
            try rawSQL(harness.temporary.path, "UPDATE events SET reason = 'edited' WHERE run_id = 'done'")
        }
        try rawSQL(harness.temporary.path, "DELETE FROM events WHERE run_id = 'done'")  // an ended run's may go
        #expect(try harness.journal.events(of: "waiting").count > 0)
    }

    @Test func aFailedRunASupportPersonJustRetriedIsKept() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        try await leave(harness, "failed", .permanent("no"))
        try await leave(harness, "also-failed", .permanent("no"))
        harness.clock.advance(by: .seconds(86_400))
        let cutoff = harness.clock.now()
        #expect(Set(try harness.journal.prunableRuns(endedBefore: cutoff).map(\.id)) == ["failed", "also-failed"])
        // Retried but not yet resumed: the run's row still says failed; its timeline does not.
        try await harness.engine.retry("only", in: "failed", actor: "support")
        let report = try harness.journal.prune(endedBefore: cutoff)
        #expect(report.runs.map(\.id) == ["also-failed"])
        #expect(try harness.journal.runs().map(\.id) == ["failed"])
    }
}
