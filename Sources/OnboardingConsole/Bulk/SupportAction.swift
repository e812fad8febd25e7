import Foundation
import OnboardingEngine

/// A support action on a run, as the console's routes, its bulk apply and `onboard retry --where`
/// take it: what to do, to which task, and why. Every action is journaled with its actor and reason.
public struct SupportAction: Sendable, Hashable {
    /// What to do.
    public enum Kind: String, Sendable, Hashable, CaseIterable, Codable {
        /// Give a failed, blocked, waiting or pending task a fresh attempt budget.
        case retry
        /// Re-run a task and everything after it, even what succeeded.
        case retryFrom = "retry-from"
        /// Mark a task skipped (with an output when a dependent needs one).
        case skip
        /// Confirm what a task waits for a person to do.
        case confirm
        /// Ask a task waiting for a condition, or blocked on permissions, to check again now.
        case signal
        /// Cancel the run.
        case cancel

        /// Whether the action names a task.
        public var takesTask: Bool { self != .cancel }
    }

    /// What to do.
    public var kind: Kind
    /// The task; `nil` for each run's own stopped-at task (its first failed, waiting or blocked task).
    public var task: TaskID?
    /// Why (a skip's and cancel's reason, a retry's reason, a confirmation's or signal's note).
    public var reason: String
    /// For a skip: the output to record, as JSON.
    public var output: [UInt8]?

    /// Creates an action.
    ///
    /// - Throws: ``ConsoleError`` `badRequest` when `reason` is empty or a placeholder.
    public init(_ kind: Kind, task: TaskID? = nil, reason: String, output: [UInt8]? = nil) throws {
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, !(trimmed.hasPrefix("<") && trimmed.hasSuffix(">")), trimmed != "…" else {
            throw ConsoleError(.badRequest, "Say why (a reason, or for confirm a note): it is recorded with your name.")
        }
        guard trimmed.count <= 2_000 else { throw ConsoleError(.badRequest, "The reason is too long (at most 2000 characters).") }
        self.kind = kind
        self.task = task
        self.reason = trimmed
        self.output = output
    }

    /// Whether the action applies to a run in its current state, and what it would do, without
    /// writing anything (the rules the engine applies when it is carried out).
    ///
    /// - Parameters:
    ///   - run: the run's record.
    ///   - tasks: its task records.
    ///   - stoppedAt: the task it stopped at, used when the action names none.
    /// - Returns: the task acted on, whether the action applies, and a sentence that says so.
    public func check(run: RunRecord, tasks: [TaskRecord], stoppedAt: TaskID?) -> (task: TaskID?, applies: Bool, message: String) {
        if run.state == .cancelled { return (nil, false, "The run was cancelled; nothing can be done to it.") }
        guard kind.takesTask else {
            if run.state == .succeeded { return (nil, false, "The run already succeeded; there is nothing to cancel.") }
            return (nil, true, "Would cancel the run (now \(run.state)).")
        }
        guard let task = task ?? stoppedAt else {
            return (nil, false, "No task was named and the run stopped at none (it is \(run.state)).")
        }
        guard let record = tasks.first(where: { $0.id == task }) else { return (task, false, "The run has no task '\(task)'.") }
        let state = record.state
        switch kind {
        case .retry:
            guard [.failed, .blocked, .waiting, .pending].contains(state) else {
                return (task, false, "'\(task)' is \(state); only a failed, blocked, waiting or pending task can be retried.")
            }
            let error = record.lastError.map { ": \($0.code.map { "[\($0)] " } ?? "")\($0.message)" } ?? ""
            return (task, true, "Would retry '\(task)' (now \(state)\(error)).")
        case .retryFrom:
            return (task, true, "Would re-run '\(task)' and every task after it (now \(state)).")
        case .skip:
            guard state != .succeeded && state != .skipped else { return (task, false, "'\(task)' already \(state); nothing to skip.") }
            return (task, true, "Would skip '\(task)' (now \(state)).")
        case .confirm:
            if state == .succeeded || state == .skipped { return (task, false, "'\(task)' already \(state); nothing to confirm.") }
            guard state == .running || (state == .waiting && (record.park?.kind == .person || record.park?.kind == .condition)) else {
                return (task, false, "'\(task)' is \(state), not waiting for a person or a condition; there is nothing to confirm.")
            }
            return (task, true, "Would confirm '\(task)' (now \(state)).")
        case .signal:
            if state == .succeeded || state == .skipped { return (task, false, "'\(task)' already \(state); nothing to re-check.") }
            guard state == .running || state == .blocked || (state == .waiting && record.park?.kind == .condition) else {
                return (task, false, "'\(task)' is \(state), not waiting for a condition or permissions; there is nothing to re-check.")
            }
            return (task, true, "Would ask '\(task)' to check again now (now \(state)).")
        case .cancel:
            return (nil, true, "")
        }
    }

    /// Carries the action out on `run` as `actor`, through the engine (one journal transaction,
    /// with the actor and reason in the run's timeline).
    ///
    /// - Parameters:
    ///   - graph: builds the run's graph, for a skip (which checks the output against the task's type).
    ///   - stoppedAt: the task the run stopped at, used when the action names none.
    /// - Throws: ``EngineError`` (`unknownRun`, `unknownTask`, `invalidState`, `outputRequired`,
    ///   `invalidValue`, `runLeased`), ``ConsoleError`` `badRequest` when no task is known.
    public func perform(
        on run: RunID, by actor: String, engine: Engine, stoppedAt: TaskID? = nil,
        graph: @Sendable (RunRecord) async throws -> TaskGraph
    ) async throws -> ActionResult {
        if kind == .cancel {
            let delivery = try await engine.cancel(run, actor: actor, reason: reason)
            return ActionResult(run: run, task: nil, action: kind.rawValue, actor: actor, delivery: delivery, message: "Cancelled.")
        }
        guard let task = task ?? stoppedAt else {
            throw ConsoleError(.badRequest, "Name the task to act on: run '\(run)' stopped at none.")
        }
        let delivery: SupportDelivery
        let message: String
        switch kind {
        case .retry:
            try await engine.retry(task, in: run, actor: actor, reason: reason)
            (delivery, message) = (.recorded, "Marked '\(task)' to run again with a fresh attempt budget.")
        case .retryFrom:
            try await engine.retry(from: task, in: run, actor: actor, reason: reason)
            (delivery, message) = (.recorded, "Marked '\(task)' and everything after it to run again.")
        case .skip:
            let record = try await engine.run(run)
            try await engine.skip(task, in: run, graph: try await graph(record), output: output, actor: actor, reason: reason)
            (delivery, message) = (.recorded, "Skipped '\(task)'.")
        case .confirm:
            delivery = try await engine.confirm(task, in: run, actor: actor, note: reason)
            message = delivery == .alreadyDone ? "'\(task)' no longer waits; nothing was written." : "Confirmed '\(task)'."
        case .signal:
            delivery = try await engine.signal(task, in: run, actor: actor, note: reason)
            message = delivery == .alreadyDone ? "'\(task)' no longer waits; nothing was written." : "Asked '\(task)' to check again now."
        case .cancel:
            (delivery, message) = (.recorded, "")
        }
        return ActionResult(run: run, task: task, action: kind.rawValue, actor: actor, delivery: delivery, message: message)
    }
}
