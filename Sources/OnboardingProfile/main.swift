// onboarding-profile: one chain of no-op tasks, for counting the engine's instructions per task
// with callgrind (the benchmark links the workflow's HTTP and TLS stack, which valgrind cannot run).
//
//   swift build -c release --product onboarding-profile
//   valgrind --tool=callgrind .build/release/onboarding-profile --tasks 2000 --durability normal
//
// Run it at two sizes and divide the difference in instructions by the difference in tasks: what
// is left is the cost of one task, without the process's start. See Docs/Performance.md.
import Dispatch
import Foundation
import Logging
import OnboardingEngine
import OnboardingEngineTesting

let arguments = CommandLine.arguments
func value(_ name: String) -> String? {
    arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
}
let taskCount = value("--tasks").flatMap(Int.init) ?? 2_000
let durability: JournalOptions.Durability = value("--durability") == "full" ? .full : .normal
let root = URL(fileURLWithPath: value("--dir") ?? FileManager.default.temporaryDirectory.path)
    .appendingPathComponent("onboarding-profile-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: root) }

let journal = try Journal(
    path: root.appendingPathComponent("chain.sqlite").path, options: JournalOptions(durability: durability))
let engine = Engine(journal: journal, logger: Logger(label: "profile", factory: { _ in SwiftLogNoOpLogHandler() }))
let tasks = (0..<taskCount).map { index in
    ClosureTask(id: TaskID("t\(index)"), dependencies: index == 0 ? [] : [TaskID("t\(index - 1)")]) { _ in NoOutput() }
}
let graph = try TaskGraph(workflow: "chain", tasks: tasks)
// Driven from a task while the main thread waits: valgrind 3.19 cannot run Swift's async `main`.
let finished = DispatchSemaphore(value: 0)
Task.detached {
    let clock = ContinuousClock()
    let start = clock.now
    let result = try await engine.start(graph, input: NoOutput())
    precondition(result.state == .succeeded)
    let elapsed = clock.now - start
    let microseconds = Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12
    print("tasks \(taskCount) durability \(durability.rawValue) chain_task_us \(microseconds / Double(max(taskCount, 1)))")
    finished.signal()
}
finished.wait()
