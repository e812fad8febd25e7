import Foundation
import Logging
import OnboardingEngine
import OnboardingEnginePostgres

/// The journal a command opened — an SQLite file or a PostgreSQL database — and what `onboard`
/// needs of it besides the engine's reads: where it is, for messages and suggested commands, where
/// its demo runs keep their tenants, and retention (`onboard prune`).
///
/// Commands read runs, tasks, events, graphs and workers through the engine
/// (``Engine/runs(state:)`` and the rest), the same on both backends.
struct HostJournal: Sendable {
    /// The backend behind the journal.
    enum Store: Sendable {
        case sqlite(Journal)
        case postgres(PostgresJournal)
    }

    let store: Store
    /// Where demo runs keep their tenants' state files (``JournalLocation/demoFolder``).
    let demoFolder: URL

    /// A logger that drops everything: commands other than `serve` report through their output.
    static let quiet = Logger(label: "onboard", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Where the journal is, as a person gives it back to `--journal`: the file's path, or the
    /// database's URL without a password.
    var location: String {
        switch store {
        case .sqlite(let journal): journal.path
        case .postgres(let journal): journal.location
        }
    }

    /// Whether the journal is a file (features such as `prune --vacuum` exist only for files).
    var isFile: Bool {
        if case .sqlite = store { return true }
        return false
    }

    /// Opens the journal at `location` for `access`.
    ///
    /// A file is opened as `onboard` always has: read-only for `.reading` (a journal of an older
    /// schema is upgraded first when this user may write the file) and `.readingAsIs` (never
    /// upgraded), never created for `.existing`.
    /// A database must hold a journal unless `.creating`, which creates its tables in an empty one.
    ///
    /// - Throws: ``JournalError`` (exit 4): a missing file or journal, not a journal, damaged, newer
    ///   schema, locked; for PostgreSQL also `unreachable`, or `cannotOpen` when the server refuses the login.
    static func open(
        _ location: JournalLocation, access: JournalOption.Access, logger: Logger
    ) async throws -> HostJournal {
        switch location {
        case .file(let path):
            let journal: Journal
            switch access {
            case .reading: journal = try openForReading(path)
            case .readingAsIs: journal = try Journal(path: path, options: .reading)
            case .existing: journal = try Journal(path: path, options: JournalOptions(createIfMissing: false))
            case .creating: journal = try Journal(path: path)
            }
            return HostJournal(store: .sqlite(journal), demoFolder: location.demoFolder)
        case .postgres(var configuration):
            configuration.createIfMissing = access == .creating
            let journal = try await PostgresJournal.open(configuration, logger: logger)
            return HostJournal(store: .postgres(journal), demoFolder: location.demoFolder)
        }
    }

    /// Opens an existing journal file read-only, so a support person who may only read the file can
    /// look; a journal of an older schema is upgraded first when the file can be written.
    private static func openForReading(_ path: String) throws -> Journal {
        let reading: Result<Journal, JournalError> = Result { () throws(JournalError) in
            try Journal(path: path, options: .reading)
        }
        if case .failure(let error) = reading, error.code == .olderSchema,
            FileManager.default.isWritableFile(atPath: path)
        {
            _ = try Journal(path: path, options: JournalOptions(createIfMissing: false))  // upgrades in place
            return try Journal(path: path, options: .reading)
        }
        return try reading.get()
    }

    /// An engine on this journal.
    func engine(
        configuration: EngineConfiguration = EngineConfiguration(), logger: Logger = quiet
    ) -> Engine {
        switch store {
        case .sqlite(let journal): Engine(journal: journal, configuration: configuration, logger: logger)
        case .postgres(let journal): Engine(journal: journal, configuration: configuration, logger: logger)
        }
    }

    /// Closes a PostgreSQL journal's connections (a file needs nothing). Engines on it must be done.
    func close() async {
        if case .postgres(let journal) = store { await journal.close() }
    }

    // MARK: - Copying

    /// Copies every run of this journal into `destination`, which holds none (``JournalCopy``).
    ///
    /// - Throws: ``JournalError`` (`notEmpty`, `corrupt`, …), ``EngineError`` `runLeased`; nothing is
    ///   written to `destination` then.
    func copy(to destination: HostJournal) async throws -> JournalCopyReport {
        switch (store, destination.store) {
        case (.sqlite(let source), .sqlite(let target)): try await JournalCopy.copy(from: source, to: target)
        case (.sqlite(let source), .postgres(let target)): try await JournalCopy.copy(from: source, to: target)
        case (.postgres(let source), .sqlite(let target)): try await JournalCopy.copy(from: source, to: target)
        case (.postgres(let source), .postgres(let target)): try await JournalCopy.copy(from: source, to: target)
        }
    }

    // MARK: - Retention

    /// The runs ``prune(endedBefore:dryRun:)`` would remove, oldest first.
    func prunableRuns(endedBefore cutoff: Date) async throws -> [RunSummary] {
        switch store {
        case .sqlite(let journal): try journal.prunableRuns(endedBefore: cutoff)
        case .postgres(let journal): try await journal.prunableRuns(endedBefore: cutoff)
        }
    }

    /// Removes runs that ended before `cutoff` (or, with `dryRun`, says which would go).
    func prune(endedBefore cutoff: Date, dryRun: Bool) async throws -> PruneReport {
        switch store {
        case .sqlite(let journal): try journal.prune(endedBefore: cutoff, dryRun: dryRun)
        case .postgres(let journal): try await journal.prune(endedBefore: cutoff, dryRun: dryRun)
        }
    }

    /// Rewrites a journal file without its free pages (`VACUUM`).
    ///
    /// - Throws: ``ValidationFailure`` for a PostgreSQL journal, which reuses its space by itself.
    func vacuum() throws {
        guard case .sqlite(let journal) = store else { throw ValidationFailure(Self.noVacuum) }
        try journal.vacuum()
    }

    /// Why `prune --vacuum` is refused on PostgreSQL.
    static let noVacuum =
        "--vacuum rewrites an SQLite journal file; a PostgreSQL journal reuses the space of removed runs by itself (autovacuum). Leave out --vacuum."

    /// The journal's size in bytes: the file with its WAL, or the database's journal tables.
    func sizeOnDisk() async throws -> Int64 {
        switch store {
        case .sqlite(let journal): journal.sizeOnDisk()
        case .postgres(let journal): try await journal.sizeOnDisk()
        }
    }
}
