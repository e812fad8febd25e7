import Foundation
import OnboardingEngine

/// A journal in a fresh temporary folder, removed by ``remove()``.
///
/// ```swift
/// let temporary = try TemporaryJournal()
/// defer { temporary.remove() }
/// let engine = Engine(journal: temporary.journal, logger: logger)
/// ```
public struct TemporaryJournal: Sendable {
    /// The folder holding the journal file.
    public let directory: URL
    /// The journal file's path.
    public let path: String
    /// The open journal.
    public let journal: Journal

    /// Creates a folder under the system's temporary folder and a journal in it.
    public init(options: JournalOptions = JournalOptions()) throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("onboarding-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
        self.path = directory.appendingPathComponent("journal.sqlite").path
        self.journal = try Journal(path: path, options: options)
    }

    /// Opens a second, independent connection to the same file (as another process would).
    public func reopen(options: JournalOptions = JournalOptions()) throws -> Journal {
        try Journal(path: path, options: options)
    }

    /// Deletes the folder and everything in it.
    public func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}
