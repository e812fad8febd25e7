import Foundation
import Logging
import OnboardingEnginePostgres
import PostgresNIO

/// Databases on the test server, one per test: created empty, dropped afterwards.
enum TestDatabases {
    private static let quiet = Logger(label: "test-databases", factory: { _ in SwiftLogNoOpLogHandler() })

    static func create(_ name: String, on server: PostgresJournalConfiguration) async throws {
        try await administer(server) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: quiet)
        }
    }

    static func drop(_ name: String, on server: PostgresJournalConfiguration) async throws {
        try await administer(server) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: quiet)
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
