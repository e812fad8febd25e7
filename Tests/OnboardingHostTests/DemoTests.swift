import Foundation
import Testing

@Suite("The onboard example host, run as a process", .serialized)
struct DemoTests {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("onboard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    var journal: String { folder.appendingPathComponent("journal.sqlite").path }

    @Test func theDemoCompletes() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let (status, output) = try onboard(["demo", "--journal", journal, "--step-milliseconds", "5"])
        #expect(status == 0, "\(output)")
        #expect(output.contains(": succeeded"))
        #expect(output.contains("admin: updating SPF"))
        let runs = try onboard(["runs", "--journal", journal])
        #expect(runs.output.contains("succeeded  demo-onboarding  11 succeeded"))
    }

    @Test func aDemoKilledMidwayIsFinishedByResume() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let crashed = try onboard([
            "demo", "--journal", journal, "--step-milliseconds", "5", "--crash-after", "import-domains",
        ])
        #expect(crashed.status == 128 + 9, "\(crashed.output)")
        let runID = try #require(
            crashed.output.split(separator: "\n").first { $0.hasPrefix("Onboarding tenant") }?
                .split(separator: " ").last?.trimmingCharacters(in: CharacterSet(charactersIn: "()")))
        let resumed = try onboard(["resume", runID, "--journal", journal])
        #expect(resumed.status == 0, "\(resumed.output)")
        #expect(resumed.output.contains("Run \(runID): succeeded"))
        let shown = try onboard(["show", runID, "--journal", journal])
        #expect(shown.output.contains("task.crashed") || shown.output.contains("run.resumed"))
    }
}
