import Foundation
import Testing

/// A journal in a fresh temporary folder (or, from ``TestPostgres``, in a fresh database), with
/// helpers to leave demo runs in it.
struct TestJournal {
    let folder: URL
    var path: String { folder.appendingPathComponent("journal.sqlite").path }
    /// What `--journal` names: ``path``, or a PostgreSQL database's URL.
    var journal: String
    /// Added to every process's environment (for a PostgreSQL journal, a state folder of the test's own).
    var environment: [String: String] = [:]

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("onboard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        journal = folder.appendingPathComponent("journal.sqlite").path
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }

    /// Runs `onboard ARGUMENTS --journal JOURNAL`.
    func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> OnboardResult {
        try await runOnboard(arguments + ["--journal", journal], environment: self.environment.merging(environment) { $1 })
    }

    /// Runs the demo (grants taking effect at once) with `options`, expects `status`, and returns the run's id.
    func demo(_ options: [String] = [], expecting status: Int32) async throws -> String {
        let result = try await run(["demo", "--propagation", "0"] + options)
        #expect(result.status == status, "\(result.output)")
        let line = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("Onboarding tenant") })
        return try #require(line.split(separator: " ").last?.trimmingCharacters(in: CharacterSet(charactersIn: "()")))
    }

    /// `onboard show RUN --json`, parsed.
    func show(_ runID: String) async throws -> [String: Any] {
        let result = try await run(["show", runID, "--json"])
        #expect(result.status == 0, "\(result.output)")
        return try jsonObject(result.stdout)
    }

    /// The run's tasks' states by id.
    func taskStates(_ runID: String) async throws -> [String: String] {
        let tasks = try #require(try await show(runID)["tasks"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: tasks.map { ($0["id"] as? String ?? "", $0["state"] as? String ?? "") })
    }

    /// The run's timeline events.
    func timeline(_ runID: String) async throws -> [[String: Any]] {
        try #require(try await show(runID)["timeline"] as? [[String: Any]])
    }
}

/// Expects a failure that printed exactly one line on stderr and nothing on stdout.
func expectOneLineError(
    _ result: OnboardResult, status: Int32, containing text: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(result.status == status, "\(result.output)", sourceLocation: sourceLocation)
    #expect(result.stdout.isEmpty, "stdout: \(result.stdout)", sourceLocation: sourceLocation)
    let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
    #expect(lines.count == 1, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stderr.hasPrefix("onboard: "), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stderr.contains(text), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
}

/// The rows of `onboard runs`' table, by header: each cell is the text under its header, up to the next
/// column. Expects the header first and every row's cells to start where their header starts.
func runsTable(_ stdout: String, sourceLocation: SourceLocation = #_sourceLocation) -> [[String: String]] {
    let headers = ["RUN", "STATE", "WORKFLOW", "TENANT", "ORG", "STOPPED AT", "ERROR", "TASKS"]
    let lines = stdout.split(separator: "\n").map(String.init)
    guard let header = lines.first, header.hasPrefix("RUN  ") else {
        Issue.record("no header: \(stdout)", sourceLocation: sourceLocation)
        return []
    }
    let starts = headers.compactMap { name in header.range(of: name).map { header.distance(from: header.startIndex, to: $0.lowerBound) } }
    #expect(starts.count == headers.count && starts == starts.sorted(), "\(header)", sourceLocation: sourceLocation)
    return lines.dropFirst().map { line in
        let characters = Array(line)
        var row: [String: String] = [:]
        for (index, name) in headers.enumerated() {
            let start = starts[index]
            let end = index + 1 < starts.count ? min(starts[index + 1], characters.count) : characters.count
            guard start < characters.count else { row[name] = ""; continue }
            // Aligned: a cell starts after a space (or at the line's start).
            #expect(start == 0 || characters[start - 1] == " ", "misaligned: \(line)", sourceLocation: sourceLocation)
            row[name] = String(characters[start..<end]).trimmingCharacters(in: .whitespaces)
        }
        return row
    }
}
