import ArgumentParser
import Foundation
import OnboardingEngine

/// The `--journal` option every command shares.
struct JournalOption: ParsableArguments {
    @Option(help: "The journal file (default: $XDG_STATE_HOME/onboard/journal.sqlite, or ~/.local/state/onboard/…).")
    var journal: String?

    /// The journal's path, creating the default folder when needed.
    func path() throws -> String {
        if let journal { return journal }
        let environment = ProcessInfo.processInfo.environment
        let state =
            environment["XDG_STATE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/state")
        let folder = state.appendingPathComponent("onboard", isDirectory: true)
        try FileManager.default.createDirectory(
            at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return folder.appendingPathComponent("journal.sqlite").path
    }

    /// Opens an existing journal for reading or support actions: a missing file is an error
    /// (`cannotOpen`), so a typo in `--journal` never creates a new, empty journal.
    func openExisting() throws -> Journal {
        try Journal(path: try path(), options: JournalOptions(createIfMissing: false))
    }

    /// Opens an existing journal read-only, for commands that only look (`runs`, `show`,
    /// `graph`, `permissions`): a support person who may only read the file can use them. A
    /// journal of an older schema is upgraded first when the file can be written.
    func openForReading() throws -> Journal {
        let path = try path()
        let reading: Result<Journal, JournalError> = Result { () throws(JournalError) in
            try Journal(path: path, options: .reading)
        }
        if case .failure(let error) = reading, error.code == .olderSchema, FileManager.default.isWritableFile(atPath: path) {
            _ = try Journal(path: path, options: JournalOptions(createIfMissing: false))  // upgrades in place
            return try Journal(path: path, options: .reading)
        }
        return try reading.get()
    }
}
