import Foundation
import Logging
import OnboardingEngine
import OnboardingEnginePostgres
import OnboardingEngineTesting
import ServiceLifecycle
import Testing

// The sample of Docs/Scaling.md, compiled, and run against the test server when there is one.

func serveFromPostgres(url: String, logger: Logger) async throws {
    let journal = try await PostgresJournal.open(try PostgresJournalConfiguration(url: url), logger: logger)
    let engine = OnboardingEngine(journal: journal, logger: logger)
    let worker = OnboardingWorker(engine: engine, registry: makeRegistry(), logger: logger)
    let group = ServiceGroup(
        configuration: .init(
            services: [.init(service: worker)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
    try await group.run()
    await journal.close()
}

@Suite("Docs/Scaling.md")
struct ScalingSamplesTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["ONBOARDING_TEST_POSTGRES"] != nil))
    func aWorkerServingFromPostgresDrivesASubmittedRun() async throws {
        let logger = Logger(label: "scaling", factory: { _ in SwiftLogNoOpLogHandler() })
        let url = try #require(ProcessInfo.processInfo.environment["ONBOARDING_TEST_POSTGRES"])
        let serving = Task { try await serveFromPostgres(url: url, logger: logger) }
        defer { serving.cancel() }

        // Another host submits to the same database and waits for the result.
        let journal = try await PostgresJournal.open(try PostgresJournalConfiguration(url: url), logger: logger)
        let engine = OnboardingEngine(journal: journal, logger: logger)
        let tenant = "scaling-\(UUID().uuidString.prefix(8))"
        let result = try await submitOnboarding(engine: engine, tenantID: tenant)
        #expect(result.state == .succeeded)
        #expect(try await engine.history(of: RunID("onboard-\(tenant)")).contains { $0.action == "run.resumed" && $0.actor == "worker" })
        await journal.close()
    }
}
