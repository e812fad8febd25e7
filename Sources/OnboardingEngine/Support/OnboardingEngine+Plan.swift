import Foundation

extension Engine {
    /// Plans `graph`: for a new run (`run == nil`) or from a run's journal state, lists which
    /// tasks are done, which would run, what each one's `observe` says it would change, and
    /// the permissions each needs. Never calls `run`; writes nothing.
    ///
    /// - Parameters:
    ///   - graph: the graph.
    ///   - run: the run to plan from, if it exists; its input and outputs are used.
    ///   - input: the input for a new run (ignored when `run` is given).
    public func plan<Input: Encodable & Sendable>(_ graph: TaskGraph, run: RunID? = nil, input: Input) async throws -> Plan {
        try await plan(graph, run: run, input: input, observeFinished: false)
    }

    /// What has drifted since run `run` finished: every task's `observe`, finished ones
    /// included, against the tenant as it is now. An entry whose observation would change
    /// something has drifted (an admin disabled a connector, deleted a rule, removed a role).
    /// Read-only, like a plan: calls no task's `run` and writes nothing.
    ///
    /// - Returns: a plan whose entries all carry an observation; ``Plan/drifted`` lists the drifted ones.
    public func drift(_ graph: TaskGraph, run: RunID) async throws -> Plan {
        try await plan(graph, run: run, input: NoOutput(), observeFinished: true)
    }

    /// Checks run `run` for drift (``drift(_:run:)``) and journals what was found as an event on
    /// its timeline: `run.drift-found` (naming each drifted task and what changed) or
    /// `run.drift-clean`. For scheduled checks (`onboard serve --drift-every 24h`); writes
    /// nothing else and changes nothing in the tenant.
    ///
    /// - Returns: the drift plan.
    @discardableResult
    public func checkDrift(_ graph: TaskGraph, run: RunID, actor: String) async throws -> Plan {
        let plan = try await drift(graph, run: run)
        let drifted = plan.drifted
        let reason =
            drifted.isEmpty
            ? "nothing drifted"
            : drifted.map { "\($0.id): \($0.observation?.changes.joined(separator: "; ") ?? "")" }.joined(separator: " | ")
        try await backend.appendEvent(
            PendingEvent(at: clock.now(), actor: actor, action: drifted.isEmpty ? "run.drift-clean" : "run.drift-found", reason: reason),
            run: run)
        if !drifted.isEmpty {
            logger.warning("drift found", metadata: ["run.id": "\(run)", "tasks": "\(drifted.map(\.id.rawValue))"])
        }
        return plan
    }

    private func plan<Input: Encodable & Sendable>(
        _ graph: TaskGraph, run: RunID?, input: Input, observeFinished: Bool
    ) async throws -> Plan {
        var states: [TaskID: TaskState] = [:]
        var outputs: [TaskID: [UInt8]] = [:]
        var inputBytes = try JSONCoding.encode(input)
        if let run {
            inputBytes = try await backend.fetchRun(run).input
            for record in try await backend.fetchTasks(of: run) {
                states[record.id] = record.state
                outputs[record.id] = record.output
            }
        }
        var entries: [Plan.Entry] = []
        for task in graph.tasks {
            let state = states[task.id] ?? .pending
            let done = state == .succeeded || state == .skipped
            var observation: Observation?
            if !done || (observeFinished && state == .succeeded) {
                let context = TaskContext(
                    runID: run ?? RunID("plan"), taskID: task.id, attempt: 0, isDryRun: true, confirmation: nil,
                    logger: logger, clock: clock, dependencies: Set(task.dependencies),
                    outputs: outputs.filter { task.dependencies.contains($0.key) }, input: inputBytes,
                    store: run.map { JournalContextStore(backend: backend, runID: $0, taskID: task.id, clock: clock) })
                do {
                    observation = try await task.observe(context)
                } catch let error as EngineError {
                    observation = .unknown(error.message)
                } catch {
                    observation = .unknown("observe failed: \(ErrorWords.describe(error))")
                }
            }
            entries.append(
                Plan.Entry(
                    id: task.id, state: state, wouldRun: !done, observation: observation,
                    dependencies: task.dependencies.sorted(), requiredPermissions: task.requiredPermissions.sorted(),
                    effect: task.effect))
        }
        return Plan(runID: run, workflow: graph.workflow, entries: entries)
    }

    /// Compares `granted` with what the tasks that remain (all of them for a new run) need,
    /// task by task. Call it before starting or resuming to name missing permissions up front.
    public func preflight(_ graph: TaskGraph, run: RunID? = nil, granted: Set<Permission>) async throws -> PermissionReport {
        var done: Set<TaskID> = []
        if let run {
            done = Set(try await backend.fetchTasks(of: run).filter { $0.state == .succeeded || $0.state == .skipped }.map(\.id))
        }
        let entries = graph.tasks.filter { !done.contains($0.id) }.map { task in
            PermissionReport.Entry(
                id: task.id, required: task.requiredPermissions.sorted(),
                missing: task.requiredPermissions.subtracting(granted).sorted())
        }
        let required = entries.reduce(into: Set<Permission>()) { $0.formUnion($1.required) }
        return PermissionReport(granted: granted, required: required, entries: entries)
    }
}
