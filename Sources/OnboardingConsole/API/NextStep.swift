import Foundation
import OnboardingEngine

/// What a person must do for a run to continue, worked out from its tasks' park reasons and
/// errors: one entry per parked or failed task (or the run, when its process stopped).
struct NextStep: Codable, Equatable, Sendable {
    /// The task that needs it; absent for a run-level step (a stalled run).
    var task: String?
    /// `confirm`, `wait`, `grant`, `fix`, `resume`.
    var kind: String
    /// What to do, in words.
    var instruction: String
    /// The `onboard` command to run afterwards.
    var command: String

    /// The steps `run`'s tasks ask for, in the graph's order; `stalled` says whether the run's process
    /// stopped (by default ``RunRecord/isStalled(at:)``).
    static func steps(
        for run: RunRecord, tasks: [TaskRecord], now: Date = Date(), queued: Bool = false, stalled: Bool? = nil
    ) -> [NextStep] {
        let id = run.id.rawValue
        guard run.state != .cancelled && run.state != .succeeded else { return [] }
        var steps: [NextStep] = []
        for task in tasks {
            let name = task.id.rawValue
            switch (task.state, task.park?.kind) {
            case (.waiting, .person?):
                if task.confirmation == nil {
                    steps.append(
                        NextStep(
                            task: name, kind: "confirm", instruction: task.park?.message ?? "",
                            command: "onboard confirm \(id) \(name) --note \"<what was done>\""))
                } else {
                    steps.append(
                        NextStep(
                            task: name, kind: "resume", instruction: "Confirmed; resume the run to continue.",
                            command: "onboard resume \(id)"))
                }
            case (.waiting, _):
                var instruction = task.park?.message ?? "Waiting for a condition."
                if let next = task.nextAttemptAt {
                    instruction += " Re-checked from \(next.formatted(.iso8601)) when the run is resumed."
                }
                steps.append(
                    NextStep(task: name, kind: "wait", instruction: instruction, command: "onboard resume \(id)"))
            case (.blocked, _):
                let missing = task.park?.missingPermissions.map(\.name) ?? []
                let instruction =
                    missing.isEmpty
                    ? (task.park?.message ?? "Grant the missing permissions.")
                    : "An admin must grant: \(missing.joined(separator: ", "))."
                steps.append(
                    NextStep(task: name, kind: "grant", instruction: instruction, command: "onboard resume \(id)"))
            case (.pending, _):
                // A retry scheduled well ahead (a server's Retry-After, a long backoff): say when, and
                // how to try now. Retries due within a minute are left to the engine.
                guard let next = task.nextAttemptAt, next > now.addingTimeInterval(60) else { continue }
                var instruction = "Next attempt at \(next.formatted(.iso8601)) when the run is resumed"
                if let error = task.lastError?.message {
                    instruction += ", after: \(error.trimmingCharacters(in: CharacterSet(charactersIn: ". ")))"
                }
                instruction += ". To try it now instead, retry it."
                steps.append(
                    NextStep(task: name, kind: "wait", instruction: instruction, command: "onboard retry \(id) \(name)"))
            case (.failed, _):
                steps.append(
                    NextStep(
                        task: name, kind: "fix",
                        instruction:
                            "Fix the cause of its error, then retry it; or skip it if the change was made by hand.",
                        command: "onboard retry \(id) \(name)"))
            default:
                continue
            }
        }
        if queued {
            steps.append(
                NextStep(
                    task: nil, kind: "wait",
                    instruction: "Queued for a worker: a running `onboard serve` on this journal drives it (or resume it here).",
                    command: "onboard resume \(id)"))
        } else if stalled ?? run.isStalled(at: now) {
            steps.append(
                NextStep(
                    task: nil, kind: "resume", instruction: "The process that ran it stopped; resume it.",
                    command: "onboard resume \(id)"))
        }
        return steps
    }
}
