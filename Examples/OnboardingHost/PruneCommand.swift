import ArgumentParser
import Foundation
import OnboardingEngine

/// `onboard prune`: removes runs that ended long ago, so the journal does not grow forever.
struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove runs that ended (succeeded, cancelled, or failed and untouched) before a cutoff.",
        discussion: """
            Runs that are running, waiting or blocked are never removed, nor a failed run a person acted on \
            since the cutoff. With --export, each run's history (as `onboard show --json` prints it) is written \
            to DIR/RUN.json first.

            \(ExitStatus.helpText)
            """)

    @OptionGroup var journalOption: JournalOption

    @Option(name: .customLong("older-than"), help: "How long ago a run must have ended: 90d, 12h or 30m.")
    var olderThan: String

    @Flag(name: .customLong("dry-run"), help: "List what would be removed; change nothing.")
    var dryRun = false

    @Option(help: "Write each removed run's history as JSON into this folder first.")
    var export: String?

    @Flag(help: "Afterwards rewrite the file without its free pages (VACUUM); needs the journal to itself.")
    var vacuum = false

    @Flag(help: "Print JSON (schema: Docs/SupportTool.md).")
    var json = false

    func validate() throws {
        if Self.age(olderThan) == nil {
            throw ValidationError("--older-than must be a number followed by d, h or m (for example 90d).")
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

    func run() throws {
        let journal = try journalOption.openExisting()
        let cutoff = Date().addingTimeInterval(-(Self.age(olderThan) ?? 0))
        if let export, !dryRun {
            let folder = URL(fileURLWithPath: export, isDirectory: true)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for run in try journal.prunableRuns(endedBefore: cutoff) {
                let detail = RunDetail(
                    run: try journal.run(run.id), tasks: try journal.tasks(of: run.id), events: try journal.events(of: run.id))
                let name = run.id.rawValue.replacingOccurrences(of: "/", with: "_") + ".json"
                try JSONOutput.encoder().encode(detail).write(to: folder.appendingPathComponent(name), options: .atomic)
            }
        }
        let report = try journal.prune(endedBefore: cutoff, dryRun: dryRun)
        if vacuum && !dryRun { try journal.vacuum() }
        let bytesAfter = vacuum && !dryRun ? journal.sizeOnDisk() : report.bytesAfter
        if json {
            return try JSONOutput.print(
                PruneResult(
                    dryRun: dryRun, cutoff: cutoff, runs: report.runs.map(\.id.rawValue), events: report.events,
                    bytesBefore: report.bytesBefore, bytesAfter: bytesAfter))
        }
        let verb = dryRun ? "Would remove" : "Removed"
        print("\(verb) \(report.runs.count) run(s) that ended before \(cutoff.formatted(.iso8601)), with \(report.events) event(s).")
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
