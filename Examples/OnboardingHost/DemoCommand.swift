import ArgumentParser
import Foundation
import Logging
import OnboardingEngine

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// `onboard demo`: onboards a stand-in tenant with live progress, playing the admin's manual
/// parts so the run completes.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Run a demo onboarding end to end, with live progress.")

    @OptionGroup var journalOption: JournalOption

    @Option(help: "Stop the process abruptly (SIGKILL) right after this task succeeds, to try `onboard resume`.")
    var crashAfter: String?

    @Option(help: "How long each demo step takes, in milliseconds.")
    var stepMilliseconds: Int = 150

    func run() async throws {
        let path = try journalOption.path()
        let journal = try Journal(path: path)
        let crashAfter = self.crashAfter.map { TaskID($0) }
        var configuration = EngineConfiguration()
        if let crashAfter {
            configuration.commitObserver = { summary in
                if summary.phase == .afterCommit, summary.transitions.contains(where: { $0.task == crashAfter && $0.state == .succeeded }) {
                    print("\n💥 stopping abruptly after '\(crashAfter)' (SIGKILL). Finish with: onboard resume \(summary.runID) --journal \(path)")
                    fflush(nil)
                    kill(getpid(), SIGKILL)
                }
            }
        }
        let engine = OnboardingEngine(
            journal: journal, configuration: configuration, logger: Logger(label: "onboard", factory: { _ in SwiftLogNoOpLogHandler() }))
        let spf = DemoWorkflow.SPFRecord()
        let graph = try DemoWorkflow.graph(spf: spf, stepDelay: .milliseconds(stepMilliseconds))
        let runID = RunID("demo-\(Int(Date().timeIntervalSince1970))")
        print("Onboarding tenant 'contoso' (run \(runID))")

        // The demo admin updates DNS as soon as the SPF check starts waiting; the engine's
        // scheduled re-check then sees it without the run stopping.
        let playAdmin: @Sendable (EngineEvent) -> Void = { event in
            if event.taskID == "spf-check", case .taskParked = event.kind, !spf.includesEssentials {
                print("👤 admin: updating SPF so it includes Essentials")
                spf.update()
            }
        }
        var result = try await withProgress(engine, graph: graph, onEvent: playAdmin) {
            try await engine.start(
                graph, id: runID, input: DemoWorkflow.Input(tenant: "contoso", domains: ["contoso.com"]),
                options: RunOptions(maxIdleWait: .seconds(2)))
        }
        // Play the admin who grants consent: confirm the parked step, then resume.
        while result.state == .waiting, let parked = result.parkedTasks.first(where: { $0.park?.kind == .person }) {
            print("👤 admin: \(parked.park?.message ?? "") — confirming")
            try engine.confirm(parked.id, in: runID, actor: "demo-admin", note: "granted in the demo")
            let done = Set(result.tasks.filter { $0.state == .succeeded }.map(\.id))
            result = try await withProgress(engine, graph: graph, done: done, onEvent: playAdmin) {
                try await engine.resume(runID, graph: graph, options: ResumeOptions(actor: "demo-admin"))
            }
        }
        print("\nRun \(runID): \(result.state)")
        print("Journal: \(path)")
        print("Inspect it with: onboard show \(runID) --journal \(path)")
        if result.state != .succeeded { throw ExitCode(ExitStatus.parked) }
    }
}

/// Prints task progress from the engine's event stream while `body` runs.
func withProgress(
    _ engine: OnboardingEngine, graph: TaskGraph, done alreadyDone: Set<TaskID> = [],
    onEvent: @escaping @Sendable (EngineEvent) -> Void = { _ in },
    _ body: () async throws -> RunResult
) async throws -> RunResult {
    let events = engine.events()
    let total = graph.descriptors.count
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            var done = alreadyDone
            for await event in events {
                defer { onEvent(event) }
                guard let task = event.taskID else { continue }
                switch event.kind {
                case .taskStarted: print("  ▸ \(task) started (attempt \(event.attempt ?? 1))")
                case .taskSucceeded:
                    done.insert(task)
                    let bar = String(repeating: "█", count: done.count) + String(repeating: "░", count: max(0, total - done.count))
                    print("  ✔ \(task) \(bar)")
                case .taskRetrying(let at): print("  ↻ \(task) retrying at \(at.formatted(date: .omitted, time: .standard)): \(event.message ?? "")")
                case .taskParked(let state): print("  ⏸ \(task) \(state): \(event.message ?? "")")
                case .taskFailed: print("  ✘ \(task) failed: \(event.message ?? "")")
                default: break
                }
            }
        }
        defer { group.cancelAll() }
        return try await body()
    }
}
