import ArgumentParser
import Foundation
import Logging
import OnboardingEngine
import OnboardingEnginePostgres

/// The `--journal` option every command shares: an SQLite file's path, or a PostgreSQL URL
/// (`postgres://user@host:port/database`, its password from `PGPASSWORD` or a `.pgpass` file).
/// Without it, `ONBOARD_JOURNAL` from the environment, else the default file.
struct JournalOption: ParsableArguments {
    @Option(
        help: """
            The journal: a file, or postgres://user@host:port/database (password from PGPASSWORD or ~/.pgpass, never \
            the URL). Default: $ONBOARD_JOURNAL, else $XDG_STATE_HOME/onboard/journal.sqlite (or ~/.local/state/onboard/…).
            """)
    var journal: String?

    /// How a command opens the journal.
    enum Access {
        /// Only to look (`runs`, `show`, `graph`, `permissions`): an SQLite file is opened read-only.
        case reading
        /// Only to read, exactly as it is (the source of `journal copy`): an SQLite file is opened
        /// read-only and one of an older schema is refused, not upgraded.
        case readingAsIs
        /// For support actions: the journal must exist; a typo never creates a new, empty one.
        case existing
        /// For commands that start runs (`demo`, `start`, `serve`): created when missing.
        case creating
    }

    /// The environment variable read when `--journal` is absent.
    static let environmentVariable = "ONBOARD_JOURNAL"

    /// Refuses a PostgreSQL URL that carries a password, or is not one, before anything is opened
    /// (a usage error, exit 64); the message never repeats the password.
    func validate() throws {
        do {
            _ = try location(creatingDefaultFolder: false)
        } catch let error as ValidationFailure {
            throw ValidationError(error.description)
        }
    }

    /// The journal `--journal`, `ONBOARD_JOURNAL` or the default names; the default's folder is
    /// created when needed (and `creatingDefaultFolder`).
    ///
    /// - Throws: ``ValidationFailure`` for a PostgreSQL URL with a password or that cannot be read.
    func location(creatingDefaultFolder: Bool = true) throws -> JournalLocation {
        let environment = ProcessInfo.processInfo.environment
        if let journal { return try JournalLocation(journal) }
        if let named = environment[Self.environmentVariable], !named.isEmpty {
            return try JournalLocation(named, source: Self.environmentVariable)
        }
        let folder = JournalLocation.stateFolder
        if creatingDefaultFolder {
            try FileManager.default.createDirectory(
                at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        return .file(folder.appendingPathComponent("journal.sqlite").path)
    }

    /// Opens the journal for `access`, runs `body` with it, and closes it (also when `body` throws).
    func withJournal<Result>(
        _ access: Access, logger: Logger = HostJournal.quiet, _ body: (HostJournal) async throws -> Result
    ) async throws -> Result {
        let journal = try await HostJournal.open(try location(), access: access, logger: logger)
        do {
            let result = try await body(journal)
            await journal.close()
            return result
        } catch {
            await journal.close()
            throw error
        }
    }
}
