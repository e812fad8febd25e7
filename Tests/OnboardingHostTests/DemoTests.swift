import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

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

@Suite("onboard simulator")
struct SimulatorCommandTests {
    @Test func printsItsURLsAndServesTheInspectionEndpoint() async throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("onboard")
        let process = Process()
        process.executableURL = binary
        process.arguments = ["simulator", "--users", "7"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { process.terminate(); process.waitUntilExit() }

        var output = ""
        for _ in 0..<200 where !output.contains("dns:") {
            let data = pipe.fileHandleForReading.availableData
            if data.isEmpty { try await Task.sleep(for: .milliseconds(25)) } else { output += String(decoding: data, as: UTF8.self) }
        }
        let line = try #require(output.split(separator: "\n").first { $0.contains("inspection:") })
        let url = try #require(URL(string: String(line.split(separator: " ").last!)))
        #expect(url.absoluteString.hasPrefix("http://127.0.0.1:"))
        let (data, response) = try await URLSession.shared.data(from: url)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        let state = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let tenants = state?["tenants"] as? [[String: Any]]
        #expect(tenants?.first?["userCount"] as? Int == 7)
    }
}
