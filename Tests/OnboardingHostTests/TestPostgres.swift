import Foundation
import Logging
import OnboardingEnginePostgres
import PostgresNIO
import Testing

/// The PostgreSQL server the host's PostgreSQL cases use (`ONBOARDING_TEST_POSTGRES`, which
/// `.ci/postgres.sh`'s `start_test_postgres` exports), and a fresh database on it for each case,
/// as the engine's conformance suite makes them.
enum TestPostgres {
    /// `postgres://user@127.0.0.1:port/postgres`, when a test server runs.
    static let serverURL = ProcessInfo.processInfo.environment["ONBOARDING_TEST_POSTGRES"]

    /// Whether the cases run: a server is named, or CI requires them (a missing server then fails them).
    static var enabled: Bool { serverURL != nil || ProcessInfo.processInfo.environment["CI"] != nil }

    /// Why the cases were left out, shown with each.
    static let skipNote: Comment =
        "ONBOARDING_TEST_POSTGRES is not set: the PostgreSQL cases of onboard are left out (run them with `source .ci/postgres.sh && start_test_postgres`)"

    private static let quiet = Logger(label: "test-databases", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Runs `body` with a journal in a new, empty database (its URL in ``TestJournal/journal``, and a
    /// state folder of its own for demo tenants in `XDG_STATE_HOME`), dropping the database and
    /// the folder afterwards, also when `body` throws.
    static func withJournal(_ body: (TestJournal) async throws -> Void) async throws {
        let url = try #require(serverURL, "ONBOARDING_TEST_POSTGRES names the test server (.ci/run starts one)")
        let server = try PostgresJournalConfiguration(url: url)
        let name = "onboard_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
        try await administer(server) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: quiet)
        }
        var database = server
        database.database = name
        var journal = try TestJournal()
        journal.journal = database.location
        journal.environment = ["XDG_STATE_HOME": journal.stateFolder.path]
        do {
            try await body(journal)
        } catch {
            await drop(name, on: server, journal)
            throw error
        }
        await drop(name, on: server, journal)
    }

    private static func drop(_ name: String, on server: PostgresJournalConfiguration, _ journal: TestJournal) async {
        journal.remove()
        try? await administer(server) { connection in
            try await connection.query(
                PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: quiet)
        }
    }

    /// Runs `body` on a connection to the server's maintenance database (`postgres`).
    private static func administer(
        _ server: PostgresJournalConfiguration, _ body: (PostgresConnection) async throws -> Void
    ) async throws {
        let configuration = PostgresConnection.Configuration(
            host: server.host, port: server.port, username: server.username, password: server.password,
            database: "postgres", tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: quiet)
        do {
            try await body(connection)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }
}

extension TestJournal {
    /// The `XDG_STATE_HOME` a PostgreSQL test journal's processes get.
    var stateFolder: URL { folder.appendingPathComponent("state") }

    /// Where `onboard` keeps the demo tenants of this PostgreSQL journal: `HOST-PORT-DATABASE` in
    /// its state folder.
    var postgresDemoFolder: URL {
        get throws {
            let database = try PostgresJournalConfiguration(url: journal)
            return stateFolder.appendingPathComponent(
                "onboard/postgres/\(database.host)-\(database.port)-\(database.database)")
        }
    }
}
