import Foundation
import Logging
import OnboardingEngine
import OnboardingEngineTesting
import ServiceLifecycle
import Testing

// The samples of Docs/RunningAWorker.md, compiled, and run once against a temporary journal.

/// What the host journals for a run (never credentials).
struct TenantRun: Codable, Sendable {
    var tenantID: String
}

/// The host's tasks for one tenant; in a real host they close over clients and credentials.
func onboardingTasks(for run: TenantRun) -> [any OnboardingTask] {
    [ClosureTask(id: "greet") { _ in NoOutput() }]
}

func makeRegistry() -> WorkflowRegistry {
    var registry = WorkflowRegistry()
    registry.register("tenant-onboarding") { run in
        let input = try run.decodeInput(as: TenantRun.self)
        return try TaskGraph(workflow: "tenant-onboarding", tasks: onboardingTasks(for: input))
    }
    return registry
}

func serveForever(journalPath: String, logger: Logger) async throws {
    let journal = try Journal(path: journalPath)
    let engine = Engine(journal: journal, logger: logger)
    let worker = OnboardingWorker(
        engine: engine, registry: makeRegistry(),
        configuration: .init(maxConcurrentRuns: 64, drainDeadline: .seconds(30)),
        logger: logger)
    let group = ServiceGroup(
        configuration: .init(
            services: [.init(service: worker)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
    try await group.run()
}

func submitOnboarding(engine: Engine, tenantID: String) async throws -> RunResult {
    let input = TenantRun(tenantID: tenantID)
    let graph = try TaskGraph(workflow: "tenant-onboarding", tasks: onboardingTasks(for: input))
    try await engine.submit(graph, id: RunID("onboard-\(tenantID)"), input: input)
    return try await engine.result(of: RunID("onboard-\(tenantID)"))
}

func followOnboarding(engine: Engine, run: RunID) async throws {
    for try await event in engine.events(of: run) {
        print(event.sequence, event.action, event.taskID?.rawValue ?? "")
    }
}

@Suite("Docs/RunningAWorker.md")
struct WorkerSamplesTests {
    @Test func aSubmittedRunIsDrivenByTheWorkerAndFollowed() async throws {
        let temporary = try TemporaryJournal()
        defer { temporary.remove() }
        let logger = Logger(label: "docs", factory: { _ in SwiftLogNoOpLogHandler() })
        let engine = Engine(journal: temporary.journal, logger: logger)
        let worker = OnboardingWorker(engine: engine, registry: makeRegistry(), logger: logger)
        let serving = Task { try await worker.run() }
        defer { serving.cancel() }
        let result = try await submitOnboarding(engine: engine, tenantID: "contoso")
        #expect(result.state == .succeeded)
        try await followOnboarding(engine: engine, run: "onboard-contoso")
    }
}
