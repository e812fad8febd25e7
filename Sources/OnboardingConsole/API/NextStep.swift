import Foundation
import OnboardingEngine

/// What a person must do for a run to continue, worked out from its tasks' park reasons and
/// errors: one entry per parked or failed task (or the run, when its process stopped).
///
/// The console's `GET /api/runs/{id}` and `onboard show` give the same steps; the command line
/// comes from the host (``ConsoleHost/commandLine(for:)``).
public struct NextStep: Codable, Equatable, Sendable {
    /// The task that needs it; absent for a run-level step (a stalled run).
    public var task: String?
    /// `confirm`, `wait`, `grant`, `fix`, `resume`.
    public var kind: String
    /// What to do, in words.
    public var instruction: String
    /// The host's command to run afterwards (e.g. `onboard retry RUN TASK --journal …`); absent
    /// when the host has none.
    public var command: String?
    /// The support action the step suggests, from which ``command`` was written.
    public var action: SupportCommand.Verb

    /// Creates a step.
    public init(task: String?, kind: String, instruction: String, command: String?, action: SupportCommand.Verb) {
        self.task = task
        self.kind = kind
        self.instruction = instruction
        self.command = command
        self.action = action
    }

    /// The steps `run`'s tasks ask for, in the graph's order.
    ///
    /// - Parameters:
    ///   - queued: the run waits for a worker to take it.
    ///   - stalled: whether the run's process stopped (by default ``RunRecord/isStalled(at:)``).
    ///   - commandLine: writes the command line for a suggested action (the host's tool).
    public static func steps(
        for run: RunRecord, tasks: [TaskRecord], now: Date = Date(), queued: Bool = false, stalled: Bool? = nil,
        commandLine: (SupportCommand) -> String? = { _ in nil }
    ) -> [NextStep] {
        let id = run.id
        func step(_ task: String?, _ kind: String, _ instruction: String, _ verb: SupportCommand.Verb) -> NextStep {
            let command = SupportCommand(verb, run: id, task: task.map { TaskID($0) })
            return NextStep(task: task, kind: kind, instruction: instruction, command: commandLine(command), action: verb)
        }
        guard run.state != .cancelled && run.state != .succeeded else { return [] }
        var steps: [NextStep] = []
        for task in tasks {
            let name = task.id.rawValue
            switch (task.state, task.park?.kind) {
            case (.waiting, .person?):
                if task.confirmation == nil {
                    steps.append(step(name, "confirm", task.park?.message ?? "", .confirm))
                } else {
                    steps.append(step(name, "resume", "Confirmed; resume the run to continue.", .resume))
                }
            case (.waiting, _):
                var instruction = task.park?.message ?? "Waiting for a condition."
                if let next = task.nextAttemptAt {
                    instruction += " Re-checked from \(next.formatted(.iso8601)) when the run is resumed."
                }
                steps.append(step(name, "wait", instruction, .resume))
            case (.blocked, _):
                let missing = task.park?.missingPermissions.map(\.name) ?? []
                let instruction =
                    missing.isEmpty
                    ? (task.park?.message ?? "Grant the missing permissions.")
                    : "An admin must grant: \(missing.joined(separator: ", "))."
                steps.append(step(name, "grant", instruction, .resume))
            case (.pending, _):
                // A retry scheduled well ahead (a server's Retry-After, a long backoff): say when, and
                // how to try now. Retries due within a minute are left to the engine.
                guard let next = task.nextAttemptAt, next > now.addingTimeInterval(60) else { continue }
                var instruction = "Next attempt at \(next.formatted(.iso8601)) when the run is resumed"
                if let error = task.lastError?.message {
                    instruction += ", after: \(error.trimmingCharacters(in: CharacterSet(charactersIn: ". ")))"
                }
                instruction += ". To try it now instead, retry it."
                steps.append(step(name, "wait", instruction, .retry))
            case (.failed, _):
                steps.append(
                    step(
                        name, "fix", "Fix the cause of its error, then retry it; or skip it if the change was made by hand.",
                        .retry))
            default:
                continue
            }
        }
        if queued {
            steps.append(
                step(nil, "wait", "Queued for a worker: a running worker on this journal drives it (or resume it).", .resume))
        } else if stalled ?? run.isStalled(at: now) {
            steps.append(step(nil, "resume", "The process that ran it stopped; resume it.", .resume))
        }
        return steps
    }
}
