import ArgumentParser
import Foundation
import Logging
import OnboardingEngine

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// `onboard demo`: onboards a stand-in tenant with live progress, playing the admin's manual
/// parts so the run completes (unless told to leave it parked or failed).
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Run a demo onboarding end to end, with live progress.")

    @OptionGroup var journalOption: JournalOption

    @Option(help: "Stop the process abruptly (SIGKILL) right after this task succeeds, to try `onboard resume`.")
    var crashAfter: String?

    @Option(help: "How long each demo step takes, in milliseconds.")
    var stepMilliseconds: Int = 150

    @Flag(help: "Do not play the admin who grants consent: the run stays waiting on 'admin-consent'.")
    var noAdmin = false

    @Option(help: "Make this task fail for good in this process, to leave the run failed (try `onboard retry`).")
    var fail: [String] = []

    func validate() throws {
        if stepMilliseconds < 0 { throw ValidationError("--step-milliseconds must not be negative.") }
    }

    func run() async throws {
        let path = try journalOption.path()
        let journal = try Journal(path: path)
        let crashAfter = self.crashAfter.map { TaskID($0) }
        var configuration = EngineConfiguration()
        if let crashAfter {
            configuration.commitObserver = { summary in
                if summary.phase == .afterCommit,
                    summary.transitions.contains(where: { $0.task == crashAfter && $0.state == .succeeded })
                {
                    print(
                        "\n💥 stopping abruptly after '\(crashAfter)' (SIGKILL). "
                            + "Finish with: onboard resume \(summary.runID) --journal \(path)"
                    )
                    fflush(nil)
                    kill(getpid(), SIGKILL)
                }
            }
        }
        let engine = OnboardingEngine(
            journal: journal, configuration: configuration,
            logger: Logger(label: "onboard", factory: { _ in SwiftLogNoOpLogHandler() }))
        let spf = DemoWorkflow.SPFRecord()
        let workflow = DemoWorkflow(
            spf: spf, stepDelay: .milliseconds(stepMilliseconds), failing: Set(fail.map { TaskID($0) }))
        let graph = try workflow.graph()
        for task in fail where graph.descriptor(for: TaskID(task)) == nil {
            throw ValidationError("--fail names '\(task)', which is not a task of the demo workflow.")
        }
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
                graph, id: runID, input: workflow.sampleInput, options: RunOptions(maxIdleWait: .seconds(2)))
        }
        // Play the admin who grants consent: confirm the parked step, then resume.
        while !noAdmin, result.state == .waiting,
            let parked = result.parkedTasks.first(where: { $0.park?.kind == .person })
        {
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
        let status = ExitStatus.status(for: result.state)
        if status != ExitStatus.succeeded { throw ExitCode(status) }
    }
}
