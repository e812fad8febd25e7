import Foundation
import OnboardingEngine

/// Prints task progress from the engine's event stream while `body` runs.
///
/// - Parameters:
///   - engine: the engine whose events to print.
///   - graph: the graph, for the progress bar's length.
///   - alreadyDone: tasks that finished before this call, so the bar starts where the run is.
///   - body: starts or resumes the run.
func withProgress(
    _ engine: Engine, graph: TaskGraph, done alreadyDone: Set<TaskID> = [],
    _ body: () async throws -> RunResult
) async throws -> RunResult {
    let events = engine.events()
    let total = graph.descriptors.count
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            var done = alreadyDone
            for await event in events {
                switch event.kind {
                case .runFinished, .runParked: return  // the call's last event
                default: break
                }
                guard let task = event.taskID else { continue }
                switch event.kind {
                case .taskStarted: print("  ▸ \(task) started (attempt \(event.attempt ?? 1))")
                case .taskSucceeded:
                    done.insert(task)
                    let bar =
                        String(repeating: "█", count: done.count)
                        + String(repeating: "░", count: max(0, total - done.count))
                    print("  ✔ \(task) \(bar)")
                case .taskRetrying(let at):
                    print(
                        "  ↻ \(task) retrying at \(at.formatted(date: .omitted, time: .standard)): "
                            + (event.message ?? "")
                    )
                case .taskParked(let state): print("  ⏸ \(task) \(state): \(event.message ?? "")")
                case .taskFailed: print("  ✘ \(task) failed: \(event.message ?? "")")
                default: break
                }
            }
        }
        defer { group.cancelAll() }
        let result = try await body()
        // Let the printer catch up with the run's last events; it stops at the run's end event.
        group.addTask { try? await Task.sleep(for: .seconds(1)) }
        _ = try await group.next()
        return result
    }
}
