// A small host the crash tests start as a child process and kill with SIGKILL.
//
//   CrashHarness start  JOURNAL LEDGER RUN_ID [--tasks N] [--task-ms MS]
//   CrashHarness resume JOURNAL LEDGER RUN_ID [--tasks N] [--task-ms MS]
//
// The graph is a ladder of idempotent tasks; each records its side effect in LEDGER (a file
// standing in for the tenant) only if the effect is not there yet. `ONBOARDING_CRASH_POINT`
// kills the process at a named point:
//   before-commit-starting:<task>   before the commit that journals <task>'s start
//   after-commit-succeeded:<task>   after <task>'s completion is durable, before dependents run
//   before-run:<task>               the engine's point: <task>'s start is durable, `run` not yet called
//   effect-done:<task>              inside <task>'s `run` (`context.crashPoint`): its effect done
//   after-run:<task>                the engine's point: `run` returned, its success not yet journaled
// Exit codes: 0 succeeded, 2 usage, 3 run leased by another engine, 4 other error, 5 not succeeded.
import Foundation
import Logging
import OnboardingEngine
import OnboardingEngineTesting

#if canImport(Glibc)
import Glibc
#endif

struct HarnessTask: OnboardingTask {
    struct Output: Codable, Sendable { var effect: String; var pid: Int32 }

    let index: Int
    let ledger: Ledger
    let milliseconds: Int

    var id: TaskID { TaskID("task-\(index)") }
    var dependencies: [TaskID] {
        // A ladder with some width: task i depends on i-1 and i-2 when they exist.
        (max(0, index - 2)..<index).map { TaskID("task-\($0)") }
    }
    var retryPolicy: RetryPolicy { RetryPolicy(maxAttempts: 10, initialDelay: .milliseconds(10), jitter: 0) }

    func run(_ context: TaskContext) async throws -> Output {
        for dependency in dependencies { _ = try context.output(of: dependency, as: Output.self) }
        if milliseconds > 0 { try await Task.sleep(for: .milliseconds(milliseconds)) }
        try ledger.ensure("effect-\(index)")
        context.crashPoint("effect-done")  // a no-op unless the host installed a crash point handler
        return Output(effect: "effect-\(index)", pid: getpid())
    }
}

/// An append-only file of effect keys: the "external system" whose duplicates the tests count.
struct Ledger: Sendable {
    let path: String

    func ensure(_ key: String) throws {
        let existing = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        if existing.split(separator: "\n").contains(Substring(key)) { return }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o600)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        defer { close(fd) }
        let line = Array((key + "\n").utf8)
        _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
    }
}

func option(_ name: String, in arguments: [String], default value: Int) -> Int {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return value }
    return Int(arguments[index + 1]) ?? value
}

let arguments = CommandLine.arguments
guard arguments.count >= 5, ["start", "resume"].contains(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: CrashHarness start|resume JOURNAL LEDGER RUN_ID [--tasks N] [--task-ms MS]\n".utf8))
    exit(2)
}
let (command, journalPath, ledgerPath, runID) = (arguments[1], arguments[2], arguments[3], RunID(arguments[4]))
let taskCount = option("--tasks", in: arguments, default: 8)
let milliseconds = option("--task-ms", in: arguments, default: 0)
let ledger = Ledger(path: ledgerPath)

@Sendable func killAtArmedPoint(_ summary: CommitSummary) {
    for (task, state) in summary.transitions {
        if summary.phase == .beforeCommit && state == .running { CrashPoint.hit("before-commit-starting:\(task)") }
        if summary.phase == .afterCommit && state == .succeeded { CrashPoint.hit("after-commit-succeeded:\(task)") }
    }
}

var configuration = EngineConfiguration(
    leaseDuration: .seconds(option("--lease-seconds", in: arguments, default: 30)))
if CrashPoint.armed != nil {
    configuration.commitObserver = killAtArmedPoint
    // The engine's crash points (before-run, after-run) and the task's own (effect-done), as a task author's test host does it.
    configuration.crashPointHandler = CrashPoint.handler
}

do {
    let journal = try Journal(path: journalPath)
    let engine = Engine(journal: journal, configuration: configuration, logger: Logger(label: "crash-harness"))
    let graph = try TaskGraph(
        workflow: "crash-harness",
        tasks: (0..<taskCount).map { HarnessTask(index: $0, ledger: ledger, milliseconds: milliseconds) })
    let result: RunResult
    if command == "start" {
        result = try await engine.start(graph, id: runID, input: ["tasks": taskCount])
    } else {
        result = try await engine.resume(runID, graph: graph)
    }
    print("state=\(result.state.rawValue) owner=\(configuration.ownerID)")
    exit(result.state == .succeeded ? 0 : 5)
} catch let error as EngineError where error.code == .runLeased {
    FileHandle.standardError.write(Data("\(error.message)\n".utf8))
    exit(3)
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(4)
}
