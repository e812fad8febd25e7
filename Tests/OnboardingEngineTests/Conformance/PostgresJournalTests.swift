import Foundation
import Logging
import OnboardingEngine
import OnboardingEnginePostgres
import OnboardingEngineTesting
import PostgresNIO
import Testing

/// What only the PostgreSQL journal does: opening a database, its URL and password, and the
/// checks its tables make. The engine's behaviour on it is the conformance suite's.
@Suite("The PostgreSQL journal: opening, credentials, checks")
struct PostgresJournalTests {
    private static let quiet = Logger(label: "postgres-journal", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func aPasswordInTheURLIsRefusedAndItComesFromTheEnvironmentOrPgpass() throws {
        let inURL = #expect(throws: JournalError.self) {
            try PostgresJournalConfiguration(url: "postgres://app:s3cret@db.example.com/onboarding", environment: [:])
        }
        #expect(inURL?.code == .cannotOpen)
        #expect(inURL?.message.contains("s3cret") == false, "the password is not repeated")
        #expect(inURL?.message.contains("PGPASSWORD") == true)

        let fromEnvironment = try PostgresJournalConfiguration(
            url: "postgres://app@db.example.com:6432/onboarding", environment: ["PGPASSWORD": "from-env"])
        #expect(fromEnvironment.password == "from-env")
        #expect(fromEnvironment.port == 6432)
        #expect(fromEnvironment.requireTLS, "TLS is required off loopback")
        #expect(!fromEnvironment.location.contains("from-env"))

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pgpass-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let pgpass = folder.appendingPathComponent("pgpass")
        try "# comment\nother:5432:*:app:wrong\ndb.example.com:5432:onboarding:app:from\\:pgpass\n".write(
            to: pgpass, atomically: true, encoding: .utf8)
        let fromFile = try PostgresJournalConfiguration(
            url: "postgresql://app@db.example.com/onboarding", environment: ["PGPASSFILE": pgpass.path])
        #expect(fromFile.password == "from:pgpass")

        let loopback = try PostgresJournalConfiguration(url: "postgres://app@127.0.0.1:5432/onboarding", environment: [:])
        #expect(!loopback.requireTLS)
        #expect(throws: JournalError.self) { try PostgresJournalConfiguration(url: "mysql://app@host/db", environment: [:]) }
    }

    @Test(.enabled(if: BackendKind.available.contains(.postgres)))
    func anotherProgramsDatabaseAndANewerJournalAreRefusedAndLeftUntouched() async throws {
        let server = try PostgresJournalConfiguration(url: try #require(BackendKind.postgresURL))
        let name = "onboarding_test_foreign_\(UUID().uuidString.prefix(8).lowercased())"
        try await TestDatabases.create(name, on: server)
        var configuration = server
        configuration.database = name
        defer { Task { try? await TestDatabases.drop(name, on: server) } }

        try await Self.execute("CREATE TABLE invoices (id integer PRIMARY KEY)", in: configuration)
        let foreign = await #expect(throws: JournalError.self) { try await PostgresJournal.open(configuration, logger: Self.quiet) }
        #expect(foreign?.code == .notAJournal)
        #expect(try await Self.tables(in: configuration) == ["invoices"], "nothing was created beside them")

        try await Self.execute("DROP TABLE invoices", in: configuration)
        var noCreate = configuration
        noCreate.createIfMissing = false
        let missing = await #expect(throws: JournalError.self) { try await PostgresJournal.open(noCreate, logger: Self.quiet) }
        #expect(missing?.code == .cannotOpen)

        let journal = try await PostgresJournal.open(configuration, logger: Self.quiet)
        await journal.close()
        try await Self.execute("UPDATE onboarding_journal SET value = '99' WHERE key = 'schema'", in: configuration)
        let newer = await #expect(throws: JournalError.self) { try await PostgresJournal.open(configuration, logger: Self.quiet) }
        #expect(newer?.code == .newerSchema)
    }

    /// A connection the server ends (a restart, `pg_terminate_backend`: SQLSTATE 57P01) is the
    /// journal being unreachable — try again when it answers — not a statement it refused. It was
    /// reported as `database` ("refused a journal statement"), and `onboard serve` started during a
    /// database restart said so.
    @Test(.enabled(if: BackendKind.available.contains(.postgres)))
    func aConnectionTheServerEndsIsUnreachableNotARefusedStatement() async throws {
        #expect(PostgresJournal.serverIsGoingAway("57P01") && PostgresJournal.serverIsGoingAway("57P03"))
        #expect(PostgresJournal.serverIsGoingAway("08006"))
        #expect(!PostgresJournal.serverIsGoingAway("42P01") && !PostgresJournal.serverIsGoingAway("23505"))
        #expect(!PostgresJournal.serverIsGoingAway(nil))

        try await BackendFixture.with(.postgres) { fixture in
            let configuration = try #require(fixture.postgresConfiguration)
            let journal = try await PostgresJournal.open(configuration, logger: Self.quiet)
            defer { Task { await journal.close() } }
            let engine = Engine(journal: journal, logger: Self.quiet)
            // The journal's read waits behind a lock; the server then ends its connection mid-statement.
            let holder = try await Self.connect(configuration)
            try await holder.query("BEGIN", logger: Self.quiet)
            try await holder.query("LOCK TABLE runs IN ACCESS EXCLUSIVE MODE", logger: Self.quiet)
            let reading = Task { try await engine.runs() }
            try await Task.sleep(for: .milliseconds(500))
            try await holder.query(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
                logger: Self.quiet)
            let ended = await #expect(throws: JournalError.self) { _ = try await reading.value }
            try await holder.query("ROLLBACK", logger: Self.quiet)
            try await holder.close()
            #expect(ended?.code == .unreachable, "\(ended?.message ?? "")")
            #expect(ended?.message.contains("refused a journal statement") == false, "\(ended?.message ?? "")")
            #expect(ended?.message.contains("the server ended the connection") == true, "\(ended?.message ?? "")")
            // The journal answers again once the server does (another pooled connection the server
            // ended may fail one more call as unreachable first).
            var answered = false
            for _ in 0..<20 where !answered {
                answered = (try? await engine.runs()) != nil
                if !answered { try await Task.sleep(for: .milliseconds(250)) }
            }
            #expect(answered, "the journal answers again")
        }
    }

    @Test(.enabled(if: BackendKind.available.contains(.postgres)))
    func aChangedByteIsReportedNamingTheRunAndTheTimelineCannotBeRewritten() async throws {
        try await BackendFixture.with(.postgres) { fixture in
            let engine = try await fixture.engine()
            let graph = try TaskGraph(
                workflow: "w", tasks: [ClosureTask(id: "a", output: String.self) { _ in "tenant-1" }, step("b", ["a"])])
            _ = try await engine.start(graph, id: "r", input: Empty())
            let configuration = try #require(fixture.postgresConfiguration)

            // The output's bytes change behind the engine's back: the read refuses them.
            try await Self.execute("UPDATE tasks SET output = 'x'::bytea WHERE run_id = 'r' AND task_id = 'a'", in: configuration)
            let corrupt = await #expect(throws: JournalError.self) { try await engine.tasks(of: "r") }
            #expect(corrupt?.code == .corrupt)
            #expect(corrupt?.message.contains("'r'") == true)
            #expect(corrupt?.message.contains("output of task 'a'") == true)

            // The graph likewise, on the next resume.
            try await Self.execute("UPDATE runs SET graph = replace(graph, '\"a\"', '\"z\"') WHERE id = 'r'", in: configuration)
            let graphCorrupt = await #expect(throws: JournalError.self) { try await engine.graph(of: "r") }
            #expect(graphCorrupt?.code == .corrupt)

            // The event log is append-only.
            let rewrite = await #expect(throws: (any Error).self) {
                try await Self.execute("UPDATE events SET actor = 'someone else' WHERE run_id = 'r'", in: configuration)
            }
            #expect(rewrite != nil)
        }
    }

    @Test func anUnreachableServerIsAClearErrorNotAHang() async throws {
        // A loopback port nothing listens on.
        let configuration = PostgresJournalConfiguration(host: "127.0.0.1", port: 9, username: "app", database: "onboarding")
        let started = ContinuousClock.now
        let error = await #expect(throws: JournalError.self) { try await PostgresJournal.open(configuration, logger: Self.quiet) }
        #expect(error?.code == .unreachable)
        #expect(error?.message.contains("postgres://app@127.0.0.1:9/onboarding") == true)
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    // MARK: - Helpers

    static func execute(_ sql: String, in configuration: PostgresJournalConfiguration) async throws {
        let connection = try await connect(configuration)
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: quiet)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    static func tables(in configuration: PostgresJournalConfiguration) async throws -> [String] {
        let connection = try await connect(configuration)
        var names: [String] = []
        for try await name in try await connection.query(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1", logger: quiet
        ).decode(String.self) { names.append(name) }
        try await connection.close()
        return names
    }

    private static func connect(_ configuration: PostgresJournalConfiguration) async throws -> PostgresConnection {
        try await PostgresConnection.connect(
            configuration: PostgresConnection.Configuration(
                host: configuration.host, port: configuration.port, username: configuration.username,
                password: configuration.password, database: configuration.database, tls: .disable),
            id: 1, logger: quiet)
    }
}
