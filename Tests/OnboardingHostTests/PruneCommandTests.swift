import Foundation
import Testing

@Suite("onboard prune", .serialized)
struct PruneCommandTests {
    @Test func endedRunsArePrunedWithTheirHistoryExportedAndParkedOnesKept() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let done = try await journal.demo([], expecting: 0)
        let parked = try await journal.demo(["--admin-skips", "relay"], expecting: 3)

        let preview = try await journal.run(["prune", "--older-than", "0m", "--dry-run", "--json"])
        #expect(preview.status == 0, "\(preview.output)")
        let planned = try jsonObject(preview.stdout)
        #expect(planned["runs"] as? [String] == [done])
        #expect(planned["dryRun"] as? Bool == true)
        await #expect(try journal.run(["show", done]).status == 0, "a dry run removes nothing")

        let export = journal.folder.appendingPathComponent("history")
        let pruned = try await journal.run(["prune", "--older-than", "0m", "--export", export.path])
        #expect(pruned.status == 0, "\(pruned.output)")
        #expect(pruned.stdout.contains("Removed 1 run(s)"), "\(pruned.stdout)")
        let history = try jsonObject(String(decoding: try Data(contentsOf: export.appendingPathComponent("\(done).json")), as: UTF8.self))
        #expect(history["id"] as? String == done)
        #expect((history["timeline"] as? [[String: Any]])?.isEmpty == false, "the exported history has the timeline")

        let gone = try await journal.run(["show", done])
        #expect(gone.status == 5, "the pruned run is gone: \(gone.output)")
        await #expect(try journal.run(["show", parked]).status == 0, "the parked run is kept")
        await #expect(try journal.run(["prune", "--older-than", "30d"]).stdout.contains("Removed 0 run(s)"))
    }

    @Test func aBadAgeIsAUsageError() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        _ = try await journal.demo(["--admin-skips", "relay"], expecting: 3)
        for age in ["90", "d", "-1d", "1w", "nand"] {
            let result = try await journal.run(["prune", "--older-than", age])
            #expect(result.status == 64, "\(age): \(result.output)")
        }
    }
}
