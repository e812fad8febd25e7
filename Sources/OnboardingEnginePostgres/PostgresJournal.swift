import Foundation
import Logging
import NIOCore
import NIOSSL
import OnboardingEngine
import PostgresNIO

/// The journal on PostgreSQL: the same runs, tasks, append-only events, leases, timers and
/// messages as the SQLite ``Journal``, shared by every worker host that opens it.
///
/// Each of the engine's intents is one transaction; a run's row is locked (`FOR UPDATE`) by
/// every transaction that writes its events, so a run's timeline stays in order whoever writes.
/// Leases expire by the database's clock, not the hosts': workers on hosts whose clocks differ
/// still agree on who holds a run. Claiming takes due runs with `FOR UPDATE SKIP LOCKED`, so two
/// workers never take the same run.
///
/// ```swift
/// let journal = try await PostgresJournal.open(
///     try PostgresJournalConfiguration(url: "postgres://onboarding@db.internal:5432/onboarding"), logger: logger)
/// let engine = Engine(journal: journal, logger: logger)
/// // …
/// await journal.close()
/// ```
public final class PostgresJournal: Sendable {
    /// Where the journal is (its URL without a password).
    public let location: String
    let pool: PostgresPool
    let logger: Logger

    private init(configuration: PostgresJournalConfiguration, logger: Logger) {
        let tls: PostgresClient.Configuration.TLS = configuration.requireTLS ? .require(.makeClientConfiguration()) : .disable
        var client = PostgresClient.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.username,
            password: configuration.password, database: configuration.database, tls: tls)
        client.options.maximumConnections = configuration.maximumConnections
        client.options.connectTimeout = .seconds(10)
        self.pool = PostgresPool(configuration: client, acquireTimeout: configuration.connectionWait, logger: logger)
        self.location = configuration.location
        self.logger = logger
    }

    /// Connects to the database and checks that it holds a journal of a schema this library
    /// reads, creating the journal's tables in an empty database (with `createIfMissing`) and
    /// upgrading an older schema in one transaction.
    ///
    /// - Throws: ``JournalError`` `unreachable` when the server cannot be reached, `notAJournal`
    ///   for a database holding another program's tables, `newerSchema` for a journal written by
    ///   a newer version, `cannotOpen` for an empty database without `createIfMissing`.
    public static func open(_ configuration: PostgresJournalConfiguration, logger: Logger) async throws -> PostgresJournal {
        try await checkReachable(configuration, logger: logger)
        let journal = PostgresJournal(configuration: configuration, logger: logger)
        do {
            try await journal.prepareSchema(create: configuration.createIfMissing)
        } catch {
            await journal.close()
            throw error
        }
        return journal
    }

    /// One connection, made and closed, so an unreachable server or a refused login is reported
    /// at once rather than after the pool's retries.
    private static func checkReachable(_ configuration: PostgresJournalConfiguration, logger: Logger) async throws {
        var options = PostgresConnection.Configuration.Options()
        options.connectTimeout = .seconds(10)
        do {
            let tls: PostgresConnection.Configuration.TLS =
                configuration.requireTLS ? .require(try NIOSSLContext(configuration: .makeClientConfiguration())) : .disable
            var connection = PostgresConnection.Configuration(
                host: configuration.host, port: configuration.port, username: configuration.username,
                password: configuration.password, database: configuration.database, tls: tls)
            connection.options = options
            let opened = try await PostgresConnection.connect(configuration: connection, id: 0, logger: logger)
            try await opened.close()
        } catch let error as PSQLError
            where error.serverInfo?[.message] != nil && !serverIsGoingAway(error.serverInfo?[.sqlState])
        {
            let message = error.serverInfo?[.message] ?? ""
            throw JournalError(
                .cannotOpen, "PostgreSQL at \(configuration.location) refused the connection: \(message)", path: configuration.location,
                underlying: error)
        } catch {
            throw JournalError(
                .unreachable,
                "The PostgreSQL journal at \(configuration.location) cannot be reached (\(reason(error))). Check that the server runs and accepts connections from this host.",
                path: configuration.location, underlying: error)
        }
    }

    /// Closes the connections. Engines using the journal must be done with it.
    public func close() async {
        await pool.close()
    }

    // MARK: - Transactions

    /// Runs `body` in one transaction on a pooled connection; rolls back when it throws.
    /// Server and connection errors become ``JournalError``s a person can act on.
    ///
    /// A transaction asked for runs to its end even when the calling task is cancelled (postgres-nio
    /// stops a query whose task is cancelled): a run stopped by a person or a shutdown still
    /// journals how it stopped.
    @discardableResult
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        guard Task.isCancelled else { return try await uncancelledTransaction(body) }
        return try await Task { try await self.uncancelledTransaction(body) }.value
    }

    private func uncancelledTransaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws
        -> T
    {
        do {
            return try await pool.withConnection { [logger] connection in
                try await connection.query("BEGIN", logger: logger)
                do {
                    let value = try await body(connection)
                    try await connection.query("COMMIT", logger: logger)
                    return value
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        } catch {
            throw mapped(error)
        }
    }

    /// One statement in a transaction of its own (a single round trip), run to its end even when
    /// the calling task is cancelled, as ``transaction(_:)``.
    func statement<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        guard Task.isCancelled else { return try await read(body) }
        return try await Task { try await self.read(body) }.value
    }

    /// A read outside a transaction (one statement sees one snapshot).
    func read<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await pool.withConnection { connection in try await body(connection) }
        } catch {
            throw mapped(error)
        }
    }

    func mapped(_ error: any Error) -> any Error {
        if error is EngineError || error is JournalError || error is CancellationError { return error }
        if let error = error as? PSQLError, let message = error.serverInfo?[.message],
            !Self.serverIsGoingAway(error.serverInfo?[.sqlState])
        {
            let state = error.serverInfo?[.sqlState] ?? "?"
            return JournalError(
                .database, "PostgreSQL refused a journal statement (SQLSTATE \(state)): \(message)", path: location,
                underlying: error)
        }
        if error is PostgresPool.Timeout {
            return JournalError(
                .unreachable,
                "The PostgreSQL journal at \(location) did not answer in time (no connection within \(pool.acquireTimeout), or a statement stuck on a connection gone bad; the server may be down, restarting or overloaded). Check that it runs and accepts connections from this host.",
                path: location, underlying: error)
        }
        // Anything else is about reaching the server: refused, reset, timed out, closed.
        return JournalError(
            .unreachable,
            "The PostgreSQL journal at \(location) cannot be reached (\(Self.reason(error))). Check that the server runs and accepts connections from this host.",
            path: location, underlying: error)
    }

    /// Whether a server's error says the connection is going away rather than refusing a
    /// statement: a connection exception (class `08`), or the server shutting down, crashing or
    /// starting up (`57P01`, `57P02`, `57P03`, what a restart or `pg_terminate_backend` sends).
    /// Those are `unreachable` (try again when it answers), not `database`.
    package static func serverIsGoingAway(_ sqlState: String?) -> Bool {
        guard let sqlState else { return false }
        return sqlState.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(sqlState)
    }

    /// A short reason for a connection failure, without a Swift type name.
    static func reason(_ error: any Error) -> String {
        if let error = error as? PSQLError, let message = error.serverInfo?[.message] {
            return "the server ended the connection: \(message)"
        }
        if let error = error as? PSQLError { return "\(error.code)" }
        let text = String(describing: error)
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}

extension Engine {
    /// Creates an engine that journals its runs in PostgreSQL, so several worker hosts share them.
    ///
    /// - Parameters: as ``Engine/init(journal:configuration:clock:logger:tracer:unitRandom:)``.
    public convenience init(
        journal: PostgresJournal,
        configuration: EngineConfiguration = EngineConfiguration(),
        clock: any EngineClock = SystemClock(),
        logger: Logger
    ) {
        self.init(backend: journal, configuration: configuration, clock: clock, logger: logger)
    }
}
