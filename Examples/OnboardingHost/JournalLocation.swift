import Foundation
import OnboardingEngine
import OnboardingEnginePostgres

/// Where a journal is: a file, or a PostgreSQL database.
enum JournalLocation {
    /// An SQLite journal file.
    case file(String)
    /// A PostgreSQL database (its password, if any, from the environment or `.pgpass`).
    case postgres(PostgresJournalConfiguration)

    /// Reads `text`: a `postgres://` or `postgresql://` URL, or else a file's path.
    ///
    /// - Parameter source: where `text` came from, named in errors when it is not `--journal`.
    /// - Throws: ``ValidationFailure`` for a URL with a password or one that is not a PostgreSQL URL.
    init(_ text: String, source: String? = nil) throws {
        let scheme = text.prefix { $0 != ":" }.lowercased()
        guard text.contains(":"), ["postgres", "postgresql"].contains(scheme) else {
            self = .file(text)
            return
        }
        do {
            self = .postgres(try PostgresJournalConfiguration(url: text))
        } catch let error as JournalError {
            throw ValidationFailure((source.map { "\($0): " } ?? "") + error.message)
        }
    }
}

extension JournalLocation {
    /// `onboard`'s folder in this user's state folder: `$XDG_STATE_HOME/onboard`, else
    /// `~/.local/state/onboard`.
    static var stateFolder: URL {
        let state =
            ProcessInfo.processInfo.environment["XDG_STATE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/state")
        return state.appendingPathComponent("onboard", isDirectory: true)
    }

    /// Where the demo runs of this journal keep their simulated tenants' state files
    /// (`RUN.tenant.json`): beside a journal file, so a copied journal and its tenants go together;
    /// for a PostgreSQL journal, which has no folder, in this user's state folder, one folder per
    /// server and database: `$XDG_STATE_HOME/onboard/postgres/HOST-PORT-DATABASE`.
    var demoFolder: URL {
        switch self {
        case .file(let path):
            return URL(fileURLWithPath: path).deletingLastPathComponent()
        case .postgres(let configuration):
            let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._")
            let name = [configuration.host, String(configuration.port), configuration.database]
                .map { String($0.map { allowed.contains($0) ? $0 : "_" }) }.joined(separator: "-")
            return Self.stateFolder.appendingPathComponent("postgres", isDirectory: true)
                .appendingPathComponent(name, isDirectory: true)
        }
    }
}
