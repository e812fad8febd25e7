import ArgumentParser
import Foundation
import OnboardingConsole
import OnboardingEngine

/// `onboard prune`: removes runs that ended long ago, so the journal does not grow forever.
struct PruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove runs that ended (succeeded, cancelled, or failed and untouched) before a cutoff.",
        discussion: """
            Runs that are running, waiting or blocked are never removed, nor a failed run a person acted on \
            since the cutoff. With --export, each run's history (as `onboard show --json` prints it) is written \
            to DIR/RUN.json first. On a PostgreSQL journal the sizes are those of its tables as the server reports \
            them (freed space is reused by the tables, not given back at once), and --vacuum is refused.

            \(ExitStatus.helpText)
            """)

    @OptionGroup var journalOption: JournalOption

    @Option(name: .customLong("older-than"), help: "How long ago a run must have ended: 90d, 12h or 30m.")
    var olderThan: String

    @Flag(name: .customLong("dry-run"), help: "List what would be removed; change nothing.")
    var dryRun = false

    @Option(help: "Write each removed run's history as JSON into this folder first.")
    var export: String?

    @Flag(
        help: "Afterwards rewrite the file without its free pages (VACUUM); needs the journal to itself. SQLite only.")
    var vacuum = false

    @Flag(help: "Print JSON (schema: Docs/SupportTool.md).")
    var json = false

    func validate() throws {
        if Self.age(olderThan) == nil {
            throw ValidationError("--older-than must be a number followed by d, h or m (for example 90d).")
        }
        if vacuum, case .postgres? = try? journalOption.location(creatingDefaultFolder: false) {
            throw ValidationError(HostJournal.noVacuum)
        }
    }

    /// `90d`, `12h`, `30m` in seconds.
    static func age(_ text: String) -> TimeInterval? {
        guard let unit = text.last, let count = Double(text.dropLast()), count >= 0, count.isFinite else { return nil }
        switch unit {
        case "d": return count * 86_400
        case "h": return count * 3_600
        case "m": return count * 60
        default: return nil
        }
    }

    func run() async throws {
        let cutoff = Date().addingTimeInterval(-(Self.age(olderThan) ?? 0))
        let (report, bytesAfter) = try await journalOption.withJournal(.existing) { journal in
            if let export, !dryRun {
                let engine = journal.engine()
                let folder = URL(fileURLWithPath: export, isDirectory: true)
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                for run in try await journal.prunableRuns(endedBefore: cutoff) {
                    let detail = RunDetail(
                        run: try await engine.run(run.id), tasks: try await engine.tasks(of: run.id),
                        events: try await engine.history(of: run.id))
                    let name = run.id.rawValue.replacingOccurrences(of: "/", with: "_") + ".json"
                    try JSONOutput.encoder().encode(detail).write(
                        to: folder.appendingPathComponent(name), options: .atomic)
                }
            }
            let report = try await journal.prune(endedBefore: cutoff, dryRun: dryRun)
            if vacuum && !dryRun { try journal.vacuum() }
            return (report, vacuum && !dryRun ? try await journal.sizeOnDisk() : report.bytesAfter)
        }
        if json {
            return try JSONOutput.print(
                PruneResult(
                    dryRun: dryRun, cutoff: cutoff, runs: report.runs.map(\.id.rawValue), events: report.events,
                    bytesBefore: report.bytesBefore, bytesAfter: bytesAfter))
        }
        let verb = dryRun ? "Would remove" : "Removed"
        print(
            "\(verb) \(report.runs.count) run(s) that ended before \(cutoff.formatted(.iso8601)), with \(report.events) event(s)."
        )
        for run in report.runs { print("  \(run.id)  \(run.state)  \(run.updatedAt.formatted(.iso8601))") }
        if !dryRun { print("Journal: \(report.bytesBefore) bytes before, \(bytesAfter) after.") }
    }
}

/// `onboard prune --json`.
struct PruneResult: Codable, Equatable {
    var dryRun: Bool
    var cutoff: Date
    var runs: [String]
    var events: Int
    var bytesBefore: Int64
    var bytesAfter: Int64
}
