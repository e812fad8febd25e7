import Foundation
import Logging
import OnboardingEngine
import OnboardingEnginePostgres
import OnboardingEngineTesting
import PostgresNIO
import ServiceLifecycle
import Testing

// The samples of Docs/Scaling.md, compiled, and run against the test server when there is one.

func serveFromPostgres(url: String, logger: Logger) async throws {
    let journal = try await PostgresJournal.open(try PostgresJournalConfiguration(url: url), logger: logger)
    let engine = Engine(journal: journal, logger: logger)
    let worker = OnboardingWorker(engine: engine, registry: makeRegistry(), logger: logger)
    let group = ServiceGroup(
        configuration: .init(
            services: [.init(service: worker)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
    try await group.run()
    await journal.close()
}

func moveToPostgres(file: String, url: String, logger: Logger) async throws -> JournalCopyReport {
    let source = try Journal(path: file, options: .reading)
    let destination = try await PostgresJournal.open(try PostgresJournalConfiguration(url: url), logger: logger)
    do {
        let report = try await JournalCopy.copy(from: source, to: destination)
        await destination.close()
        return report
    } catch {
        await destination.close()
        throw error
    }
}

@Suite("Docs/Scaling.md")
struct ScalingSamplesTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["ONBOARDING_TEST_POSTGRES"] != nil))
    func aJournalFileMovesIntoAnEmptyDatabase() async throws {
        let logger = Logger(label: "scaling", factory: { _ in SwiftLogNoOpLogHandler() })
        let server = try PostgresJournalConfiguration(url: try #require(ProcessInfo.processInfo.environment["ONBOARDING_TEST_POSTGRES"]))
        let name = "docs_copy_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12))"
        try await Self.administer(server, "CREATE DATABASE \(name)", logger: logger)
        var database = server
        database.database = name
        let file = try TemporaryJournal()
        do {
            let engine = Engine(journal: file.journal, logger: logger)
            let graph = try TaskGraph(workflow: "docs-copy", tasks: [ClosureTask(id: "a", output: String.self) { _ in "done" }])
            _ = try await engine.start(graph, id: "moved", input: ["tenant": "contoso"])

            let report = try await moveToPostgres(file: file.path, url: database.location, logger: logger)
            #expect(report.runs == ["moved"])
            #expect(report.tasks == 1)
            let copy = try await PostgresJournal.open(database, logger: logger)
            let onCopy = Engine(journal: copy, logger: logger)
            #expect(try await onCopy.run("moved").state == .succeeded)
            #expect(try await onCopy.history(of: "moved") == engine.history(of: "moved"))
            await copy.close()
        } catch {
            file.remove()
            try? await Self.administer(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)", logger: logger)
            throw error
        }
        file.remove()
        try await Self.administer(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)", logger: logger)
    }

    /// Runs `sql` on the server's maintenance database.
    static func administer(_ server: PostgresJournalConfiguration, _ sql: String, logger: Logger) async throws {
        let connection = try await PostgresConnection.connect(
            configuration: PostgresConnection.Configuration(
                host: server.host, port: server.port, username: server.username, password: server.password,
                database: "postgres", tls: .disable),
            id: 1, logger: logger)
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["ONBOARDING_TEST_POSTGRES"] != nil))
    func aWorkerServingFromPostgresDrivesASubmittedRun() async throws {
        let logger = Logger(label: "scaling", factory: { _ in SwiftLogNoOpLogHandler() })
        let url = try #require(ProcessInfo.processInfo.environment["ONBOARDING_TEST_POSTGRES"])
        let serving = Task { try await serveFromPostgres(url: url, logger: logger) }
        defer { serving.cancel() }

        // Another host submits to the same database and waits for the result.
        let journal = try await PostgresJournal.open(try PostgresJournalConfiguration(url: url), logger: logger)
        let engine = Engine(journal: journal, logger: logger)
        let tenant = "scaling-\(UUID().uuidString.prefix(8))"
        let result = try await submitOnboarding(engine: engine, tenantID: tenant)
        #expect(result.state == .succeeded)
        #expect(try await engine.history(of: RunID("onboard-\(tenant)")).contains { $0.action == "run.resumed" && $0.actor == "worker" })
        await journal.close()
    }
}
