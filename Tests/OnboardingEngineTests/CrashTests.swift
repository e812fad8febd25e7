import Foundation
import Logging
import OnboardingEngine
import OnboardingEngineTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Runs the `CrashHarness` executable (built with the tests) as a child process.
struct HarnessProcess {
    static let executable: URL = {
        // The test bundle and the harness are built into the same products folder.
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return bundle.appendingPathComponent("CrashHarness")
    }()

    let directory: URL
    var journal: String { directory.appendingPathComponent("journal.sqlite").path }
    var ledger: String { directory.appendingPathComponent("ledger.txt").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    /// Starts the harness; the caller waits or kills it.
    func launch(_ command: String, run: String = "run", tasks: Int = 8, taskMilliseconds: Int = 0, crashAt: String? = nil)
        async throws -> ChildProcess
    {
        try await ChildProcess.start(
            Self.executable.path,
            arguments: [command, journal, ledger, run, "--tasks", "\(tasks)", "--task-ms", "\(taskMilliseconds)"],
            environment: crashAt.map { [CrashPoint.environmentVariable: $0] } ?? [:])
    }

    /// Runs the harness to its end and returns its exit status (128 + signal when killed).
    /// Waits without blocking a thread, so other tests (some host servers for their children) keep running.
    func exitStatus(_ command: String, run: String = "run", tasks: Int = 8, taskMilliseconds: Int = 0, crashAt: String? = nil)
        async throws -> Int32
    {
        try await launch(command, run: run, tasks: tasks, taskMilliseconds: taskMilliseconds, crashAt: crashAt).exitStatus()
    }

    /// Waits (up to 5 s) until the child process has journaled its run.
    func waitForRun() async {
        for _ in 0..<1000 {
            if let journal = try? Journal(path: journal, options: JournalOptions(createIfMissing: false)),
                (try? journal.run("run")) != nil
            {
                return
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// The effects the harness tasks applied to the "tenant", one line each.
    func ledgerLines() -> [String] {
        ((try? String(contentsOfFile: ledger, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Asserts what must hold after any crash and a completed resume.
    func expectCompletedExactlyOnce(tasks: Int, run: String = "run", sourceLocation: SourceLocation = #_sourceLocation) throws {
        let journal = try Journal(path: journal)
        #expect(try journal.run(RunID(run)).state == .succeeded, sourceLocation: sourceLocation)
        let records = try journal.tasks(of: RunID(run))
        #expect(records.count == tasks, sourceLocation: sourceLocation)
        #expect(records.allSatisfy { $0.state == .succeeded && $0.output != nil }, sourceLocation: sourceLocation)
        let successes = try journal.events(of: RunID(run)).filter { $0.action == "task.succeeded" }.compactMap(\.taskID)
        #expect(successes.count == tasks, "each task's output is recorded once", sourceLocation: sourceLocation)
        #expect(Set(successes).count == tasks, sourceLocation: sourceLocation)
        let effects = ledgerLines()
        #expect(effects.count == tasks, "no duplicate side effects: \(effects)", sourceLocation: sourceLocation)
        #expect(Set(effects).count == effects.count, sourceLocation: sourceLocation)
        #expect(try journal.integrityCheck() == ["ok"], sourceLocation: sourceLocation)
    }
}

@Suite("Crash and resume with real processes", .serialized)
struct CrashTests {
    static let killed: Int32 = 128 + SIGKILL

    @Test(arguments: [
        "before-commit-starting:task-3",  // before a task's start is durable
        "before-run:task-3",  // started, nothing done yet
        "effect-done:task-3",  // inside a task's run (context.crashPoint), after its side effect
        "after-run:task-3",  // the task returned, its success not journaled
        "after-commit-succeeded:task-3",  // between one task's completion and the next start
        "after-run:task-7",  // the last task
    ])
    func killedAtAChosenPointThenResumedByAFreshProcess(point: String) async throws {
        let harness = try HarnessProcess()
        defer { harness.remove() }
        #expect(try await harness.exitStatus("start", crashAt: point) == Self.killed)
        let journal = try Journal(path: harness.journal)
        #expect(try journal.run("run").state == .running)
        #expect(try await harness.exitStatus("resume") == 0)
        try harness.expectCompletedExactlyOnce(tasks: 8)
    }

    @Test func killedAtRandomPointsOverFiftyTrials() async throws {
        var generator = SystemRandomNumberGenerator()
        var interrupted = 0
        for trial in 0..<50 {
            let harness = try HarnessProcess()
            defer { harness.remove() }
            let process = try await harness.launch("start", taskMilliseconds: 8)
            // Kill at a random point of the run itself, whatever the process's start-up took.
            if trial % 10 != 0 { await harness.waitForRun() }
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...40, using: &generator)))
            process.send(SIGKILL)
            if try await process.exitStatus() == Self.killed { interrupted += 1 }
            // Every few trials, kill the resuming process too before the final resume.
            if trial % 5 == 4 {
                let resumer = try await harness.launch("resume", taskMilliseconds: 4)
                try await Task.sleep(for: .milliseconds(Int.random(in: 5...40, using: &generator)))
                resumer.send(SIGKILL)
                _ = try await resumer.exitStatus()
            }
            let status = try await harness.exitStatus("resume", taskMilliseconds: 4)
            if status != 0 {
                // The kill may have come before the run was journaled at all: then there is nothing to resume.
                let journal = try? Journal(path: harness.journal, options: JournalOptions(createIfMissing: false))
                let exists = (try? journal?.run("run")) != nil
                #expect(!exists, "trial \(trial): resume exited \(status)")
                #expect(try await harness.exitStatus("start", taskMilliseconds: 0) == 0)
            }
            try harness.expectCompletedExactlyOnce(tasks: 8)
        }
        #expect(interrupted >= 20, "most kills should land while the run is in progress (a loaded machine finishes some runs first)")
    }

    @Test func aTaskThatKeepsCrashingTheProcessStopsAsFailed() async throws {
        let harness = try HarnessProcess()
        defer { harness.remove() }
        let point = "after-run:task-2"
        #expect(try await harness.exitStatus("start", crashAt: point) == Self.killed)
        #expect(try await harness.exitStatus("resume", crashAt: point) == Self.killed)
        #expect(try await harness.exitStatus("resume", crashAt: point) == Self.killed)
        #expect(try await harness.exitStatus("resume", crashAt: point) == 5)  // not succeeded

        let journal = try Journal(path: harness.journal)
        #expect(try journal.run("run").state == .failed)
        let task = try #require(try journal.tasks(of: "run").first { $0.id == "task-2" })
        #expect(task.state == .failed)
        #expect(task.consecutiveCrashes == 3)
        #expect(task.lastError?.code == "crashLoop")
        #expect(task.lastError?.message.contains("stopped 3 times in a row") == true)

        // Support fixes the cause and retries; a fresh process completes the run.
        let engine = Engine(journal: journal, logger: Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await engine.retry("task-2", in: "run", actor: "support", reason: "fixed the crash")
        #expect(try await harness.exitStatus("resume") == 0)
        try harness.expectCompletedExactlyOnce(tasks: 8)
    }

    @Test func twoProcessesResumingOneRunExactlyOneRunsIt() async throws {
        let harness = try HarnessProcess()
        defer { harness.remove() }
        #expect(try await harness.exitStatus("start", taskMilliseconds: 40, crashAt: "before-run:task-1") == Self.killed)

        let first = try await harness.launch("resume", taskMilliseconds: 40)
        let second = try await harness.launch("resume", taskMilliseconds: 40)
        let statuses = [try await first.exitStatus(), try await second.exitStatus()].sorted()
        #expect(statuses == [0, 3], "one runs it, the other is told who owns it")

        let resumes = try Journal(path: harness.journal).events(of: "run").filter { $0.action == "run.resumed" }
        #expect(resumes.count == 1)
        try harness.expectCompletedExactlyOnce(tasks: 8)
    }
}
