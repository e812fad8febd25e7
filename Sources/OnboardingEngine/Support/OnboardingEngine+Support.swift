import Foundation

/// Support actions: each is one journal transaction that records who did it and why, and each
/// takes effect when the run is next resumed.
extension Engine {
    /// Makes a failed, blocked or waiting task runnable again, with a fresh attempt budget.
    ///
    /// - Parameters:
    ///   - task: the task to retry.
    ///   - run: its run.
    ///   - actor: who asks (recorded in the journal).
    ///   - reason: why (recorded in the journal).
    /// - Throws: ``EngineError`` `unknownRun`, `unknownTask`, `runLeased`, `invalidState`.
    public func retry(_ task: TaskID, in run: RunID, actor: String, reason: String? = nil) async throws {
        try await supportAction(run) { now, tasks, _ in
            guard let index = tasks.firstIndex(where: { $0.id == task }) else { throw unknownTask(task, run) }
            guard [.failed, .blocked, .waiting, .pending].contains(tasks[index].state) else {
                throw EngineError(
                    .invalidState,
                    "Task '\(task)' is \(tasks[index].state); only a failed, blocked, waiting or pending task can be retried. Use retry from a task to re-run finished work.",
                    runID: run, taskIDs: [task])
            }
            tasks[index].reset(at: now, clearOutput: false)
            return Journal.SupportChange(
                events: [PendingEvent(taskID: task, at: now, actor: actor, action: "task.retry-requested", reason: reason)])
        }
    }

    /// Makes `task` and everything downstream of it run again on resume, even if they succeeded.
    ///
    /// Their outputs and checkpoints are cleared; tasks are idempotent, so running them again
    /// re-applies the desired state.
    public func retry(from task: TaskID, in run: RunID, actor: String, reason: String? = nil) async throws {
        try await supportAction(run, needsGraph: true) { now, tasks, graph in
            guard tasks.contains(where: { $0.id == task }) else { throw unknownTask(task, run) }
            let affected = Engine.downstream(of: task, in: graph)
            for index in tasks.indices where affected.contains(tasks[index].id) {
                tasks[index].reset(at: now, clearOutput: true)
            }
            let names = affected.sorted().map(\.rawValue).joined(separator: ", ")
            return Journal.SupportChange(
                events: [
                    PendingEvent(
                        taskID: task, at: now, actor: actor, action: "task.retry-from-requested",
                        reason: [reason, "re-runs: \(names)"].compactMap { $0 }.joined(separator: "; "))
                ],
                clearCheckpoints: affected)
        }
    }

    /// Marks a task skipped, with a reason, so its dependents can proceed on resume.
    ///
    /// - Parameters:
    ///   - output: the output to record in its place, as JSON. Required when the task has
    ///     dependents and returns something other than ``NoOutput``; it must decode as the
    ///     task's output type.
    ///   - graph: the run's graph, used to check the output's type.
    /// - Throws: ``EngineError`` `outputRequired` when a dependent needs an output and none was
    ///   supplied, `invalidValue` when it does not decode, `invalidState` for a succeeded task.
    public func skip(
        _ task: TaskID, in run: RunID, graph: TaskGraph, output: [UInt8]? = nil, actor: String, reason: String
    ) async throws {
        _ = try await backend.fetchRun(run)  // an unknown run is reported as such, before the task is looked up
        guard let index = graph.indexByID[task] else { throw unknownTask(task, run) }
        let erased = graph.tasks[index]
        if let output {
            do {
                try erased.validateOutput(output)
            } catch {
                throw EngineError(
                    .invalidValue, "The supplied output is not a valid output of '\(task)': \(DecodingProblem.describe(error)).",
                    runID: run, taskIDs: [task], underlying: error)
            }
        } else if !erased.hasNoOutput && !graph.dependentIndices[index].isEmpty {
            let dependents = graph.dependentIndices[index].map { graph.tasks[$0].id.rawValue }.joined(separator: ", ")
            throw EngineError(
                .outputRequired,
                "Task '\(task)' cannot be skipped without an output: \(dependents) read its \(erased.outputTypeName). Supply one as JSON.",
                runID: run, taskIDs: [task])
        }
        try await supportAction(run) { now, tasks, _ in
            guard let index = tasks.firstIndex(where: { $0.id == task }) else { throw unknownTask(task, run) }
            guard tasks[index].state != .succeeded && tasks[index].state != .skipped else {
                throw EngineError(
                    .invalidState, "Task '\(task)' already \(tasks[index].state); nothing to skip.", runID: run, taskIDs: [task])
            }
            tasks[index].state = .skipped
            tasks[index].output = output ?? (erased.hasNoOutput ? (try? JSONCoding.encode(NoOutput())) : nil)
            tasks[index].park = nil
            tasks[index].nextAttemptAt = nil
            tasks[index].updatedAt = now
            return Journal.SupportChange(
                events: [PendingEvent(taskID: task, at: now, actor: actor, action: "task.skipped", reason: reason)])
        }
    }

    /// Records that a person did what a waiting task asked, or that a condition a task waits for
    /// should hold now ("I updated DNS, check again").
    ///
    /// A task waiting for a person continues with the confirmation (its ``TaskContext/confirmation``);
    /// one waiting for a condition is re-checked at once rather than at its next re-check.
    /// A run that is executing gets it at once: in this engine directly, in another process
    /// through the journal within ``EngineConfiguration/messagePollInterval``. A parked run
    /// records it and becomes due, so a worker resumes it at once (or a person does).
    ///
    /// A task being attempted right now gets it too: should the attempt end with its condition
    /// still unmet, it is checked again at once. Confirming a task that already succeeded or
    /// was skipped writes nothing and returns ``SupportDelivery/alreadyDone``.
    ///
    /// - Returns: how the confirmation reached the run.
    /// - Throws: ``EngineError`` `unknownRun`, `unknownTask`, or `invalidState` when the task
    ///   waits for nothing a person can confirm (pending, blocked on permissions, failed) or the
    ///   run was cancelled.
    @discardableResult
    public func confirm(_ task: TaskID, in run: RunID, actor: String, note: String? = nil) async throws -> SupportDelivery {
        try await send(.confirm, task: task, in: run, actor: actor, note: note) { record in
            if record.state == .succeeded || record.state == .skipped { return false }
            // `running`: being checked (or asked) right now; checked again if it ends still waiting.
            guard record.state == .running
                || (record.state == .waiting && (record.park?.kind == .person || record.park?.kind == .condition))
            else {
                throw EngineError(
                    .invalidState,
                    "Task '\(task)' is not waiting for a person or a condition (it is \(record.state)); there is nothing to confirm.",
                    runID: run, taskIDs: [task])
            }
            return true
        }
    }

    /// Asks the run to re-check now a condition it waits for (a task waiting on DNS, consent or
    /// propagation), or permissions a blocked task lacks; `task == nil` re-checks every task
    /// waiting for a condition. Delivered like ``confirm(_:in:actor:note:)``, and like it a named
    /// task being checked right now is checked again if the check ends unmet, and one that
    /// already succeeded or was skipped returns ``SupportDelivery/alreadyDone``.
    ///
    /// - Throws: ``EngineError`` `unknownRun`, `unknownTask`, or `invalidState` when the task
    ///   (or, for `nil`, every task) waits for nothing a re-check could change.
    @discardableResult
    public func signal(_ task: TaskID? = nil, in run: RunID, actor: String, note: String? = nil) async throws -> SupportDelivery {
        @Sendable func recheckable(_ record: TaskRecord) -> Bool {
            record.state == .blocked || (record.state == .waiting && record.park?.kind == .condition)
        }
        return try await send(.signal, task: task, in: run, actor: actor, note: note) { record in
            if record.state == .succeeded || record.state == .skipped { return false }
            guard recheckable(record) || record.state == .running else {
                let hint = record.park?.kind == .person ? " It waits for a person: confirm it instead." : ""
                throw EngineError(
                    .invalidState,
                    "Task '\(record.id)' is not waiting for a condition or permissions (it is \(record.state)); there is nothing to re-check.\(hint)",
                    runID: run, taskIDs: [record.id])
            }
            return true
        } all: { records in
            guard records.contains(where: recheckable) else {
                throw EngineError(
                    .invalidState, "No task of run '\(run)' waits for a condition or permissions; there is nothing to re-check.",
                    runID: run)
            }
            return true
        }
    }

    /// Delivers a confirmation or signal: to the run's execution when one holds it (this engine's
    /// directly, another process's through the journal), or applied to the parked run's records,
    /// which then become due.
    private func send(
        _ kind: OwnerMessage.Kind, task: TaskID?, in run: RunID, actor: String, note: String?,
        validate: @escaping @Sendable (TaskRecord) throws -> Bool,
        all validateAll: @escaping @Sendable ([TaskRecord]) throws -> Bool = { _ in true }
    ) async throws -> SupportDelivery {
        let control = activeRuns.withLock { $0[run] }
        let (delivery, message) = try await backend.deliver(
            OwnerMessage(sequence: 0, run: run, kind: kind, task: task, actor: actor, note: note, at: clock.now()),
            owner: configuration.ownerID, executingHere: control != nil
        ) { _, tasks in
            if let task {
                guard let record = tasks.first(where: { $0.id == task }) else { throw unknownTask(task, run) }
                return try validate(record)
            } else {
                return try validateAll(tasks)
            }
        }
        if let message, let control { control.runner.post(.deliver(message)) }
        if case .recorded = delivery { workAvailable.signal() }
        return delivery
    }

    /// Cancels a run. A run this engine is executing stops at once (running attempts are
    /// cancelled); one another process runs stops within that process's
    /// ``EngineConfiguration/messagePollInterval``; any other run is marked cancelled now. A
    /// cancelled run cannot be resumed.
    ///
    /// - Returns: how the cancel reached the run.
    /// - Throws: ``EngineError`` `unknownRun`, or `invalidState` if it already succeeded or was cancelled.
    @discardableResult
    public func cancel(_ run: RunID, actor: String, reason: String? = nil) async throws -> SupportDelivery {
        if let control = activeRuns.withLock({ $0[run] }) {
            control.mailbox.post(.cancel(actor: actor, reason: reason))
            return .delivered
        }
        let delivery = try await backend.cancelRun(run, actor: actor, reason: reason, owner: configuration.ownerID, now: clock.now())
        if case .recorded = delivery { workAvailable.signal() }
        return delivery
    }

    /// Runs a support action in one journal transaction, refusing it while an engine runs the run.
    private func supportAction(
        _ run: RunID, needsGraph: Bool = false,
        _ change: @escaping @Sendable (Date, inout [TaskRecord], [TaskDescriptor]) throws -> Journal.SupportChange
    ) async throws {
        // The runner holds the run's rows in memory and would write over the change.
        if isExecuting(run) {
            throw EngineError(
                .runLeased,
                "Run '\(run)' is being run by this engine right now; support actions apply once it finishes or parks (or cancel it).",
                runID: run)
        }
        let now = clock.now()
        try await backend.applySupportAction(run, owner: configuration.ownerID, now: now, needsGraph: needsGraph) { tasks, graph in
            try change(now, &tasks, graph)
        }
        workAvailable.signal()
    }

    /// `task` and its transitive dependents, from a journaled graph.
    static func downstream(of task: TaskID, in graph: [TaskDescriptor]) -> Set<TaskID> {
        var dependents: [TaskID: [TaskID]] = [:]
        for descriptor in graph { for dependency in descriptor.dependencies { dependents[dependency, default: []].append(descriptor.id) } }
        var affected: Set<TaskID> = [task]
        var queue = [task]
        while let next = queue.popLast() {
            for dependent in dependents[next, default: []] where affected.insert(dependent).inserted { queue.append(dependent) }
        }
        return affected
    }
}

func unknownTask(_ task: TaskID, _ run: RunID) -> EngineError {
    EngineError(.unknownTask, "Run '\(run)' has no task '\(task)'.", runID: run, taskIDs: [task])
}

extension TaskRecord {
    /// Back to pending with a fresh attempt budget, as a support retry does.
    mutating func reset(at now: Date, clearOutput: Bool) {
        state = .pending
        attempts = 0
        consecutiveCrashes = 0
        park = nil
        nextAttemptAt = nil
        confirmation = nil
        observation = nil
        if clearOutput { output = nil }
        updatedAt = now
    }
}
