import ArgumentParser
import Foundation

/// `onboard`: the example host for the onboarding engine, and the support tool for resuming
/// failed onboardings.
@main
struct Onboard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "onboard",
        abstract: "Run, inspect and resume resumable onboardings.",
        subcommands: [DemoCommand.self, RunsCommand.self, ShowCommand.self, ResumeCommand.self],
        defaultSubcommand: DemoCommand.self
    )
}

/// Options every command shares.
struct JournalOption: ParsableArguments {
    @Option(help: "The journal file (default: $XDG_STATE_HOME/onboard/journal.sqlite).")
    var journal: String?

    /// The journal's path, creating the default folder when needed.
    func path() throws -> String {
        if let journal { return journal }
        let environment = ProcessInfo.processInfo.environment
        let state = environment["XDG_STATE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/state")
        let folder = state.appendingPathComponent("onboard", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return folder.appendingPathComponent("journal.sqlite").path
    }
}

/// Exit codes, documented in the README.
enum ExitStatus {
    static let succeeded: Int32 = 0
    static let failed: Int32 = 1
    static let usage: Int32 = 64
    static let parked: Int32 = 3
    static let journalError: Int32 = 4
}
