import Foundation
import OnboardingEngine

/// ``JournalCopy`` to and from PostgreSQL: moving a journal file into a database when several
/// hosts are to share the work, and back.
extension JournalCopy {
    /// Copies every run of the journal file `source` into the PostgreSQL journal `destination`,
    /// which holds none (a database whose journal tables were just created).
    ///
    /// ```swift
    /// let source = try Journal(path: "/var/lib/onboarding/journal.sqlite", options: .reading)
    /// let destination = try await PostgresJournal.open(
    ///     try PostgresJournalConfiguration(url: "postgres://onboarding@db.internal:5432/onboarding"), logger: logger)
    /// let report = try await JournalCopy.copy(from: source, to: destination)
    /// await destination.close()
    /// ```
    ///
    /// - Throws: as the copy from file to file does; nothing is written to
    ///   `destination` then.
    public static func copy(from source: Journal, to destination: PostgresJournal, at now: Date = Date()) async throws
        -> JournalCopyReport
    {
        try await copyRuns(from: source, to: destination, at: now)
    }

    /// Copies every run of the PostgreSQL journal `source` into the empty journal file `destination`.
    ///
    /// - Throws: as the copy from file to file does; nothing is written to
    ///   `destination` then.
    public static func copy(from source: PostgresJournal, to destination: Journal, at now: Date = Date()) async throws
        -> JournalCopyReport
    {
        try await copyRuns(from: source, to: destination, at: now)
    }

    /// Copies every run of the PostgreSQL journal `source` into the empty PostgreSQL journal `destination`.
    ///
    /// - Throws: as the copy from file to file does; nothing is written to
    ///   `destination` then.
    public static func copy(from source: PostgresJournal, to destination: PostgresJournal, at now: Date = Date())
        async throws -> JournalCopyReport
    {
        try await copyRuns(from: source, to: destination, at: now)
    }
}
