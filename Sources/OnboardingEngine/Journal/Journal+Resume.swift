import Foundation

/// Preparing a run for resumption: the journal side of ``OnboardingEngine/resume(_:graph:options:)``.
extension Journal {
    /// What a resume takes: the engine's lease, its clock's time and its crash policy.
    package struct ResumePolicy: Sendable {
        package var owner: String
        package var now: Date
        package var leaseDuration: Duration
        package var maxConsecutiveCrashes: Int
        /// The engine's actor, for the events it records itself.
        package var actor: String
    }

    /// Loads a run for resumption in one IMMEDIATE transaction, on the journal's queue: checks the
    /// lease and the graph, applies accepted graph changes and messages left for the run,
    /// recovers tasks a crash left running, and takes the lease.
    ///
    /// Returns `run == nil` when the run already succeeded and there is nothing to do.
    package func prepareResume(
        _ id: RunID, graph: TaskGraph, options: ResumeOptions, policy: ResumePolicy
    ) async throws -> (run: RunRecord?, records: [TaskRecord]) {
        let (now, owner, maxCrashes, actor) = (policy.now, policy.owner, policy.maxConsecutiveCrashes, policy.actor)
        return try await perform { db in
            try db.transaction {
                var run = try Journal.loadRun(db, id)
                if run.state == .cancelled {
                    throw EngineError(
                        .invalidState, "Run '\(id)' was cancelled and cannot be resumed; start a new run instead.", runID: id)
                }
                try Journal.requireNoLiveOwner(run, other: owner, now: now, advice: "Wait for it to finish, or resume after the lease expires.")
                var events: [PendingEvent] = []
                if run.fingerprint != graph.fingerprint {
                    let diff = GraphDiff(old: try Journal.loadGraph(db, id), new: graph.descriptors)
                    if !diff.isEmpty {
                        guard options.acceptGraphChanges else {
                            throw EngineError(
                                .graphChanged,
                                "The graph changed since run '\(id)' began; resume with the change accepted to apply it:\n\(diff)",
                                runID: id, taskIDs: diff.added + diff.removed + diff.changed.map(\.id), graphDiff: diff)
                        }
                        try Journal.applyGraphChange(diff, graph: graph, run: id, db: db, at: now)
                        events.append(
                            PendingEvent(at: now, actor: options.actor, action: "run.graph-changed", reason: diff.description))
                    }
                    let graphJSON = JSONCoding.graphJSON(graph.descriptors)
                    try db.run(
                        "UPDATE runs SET graph = ?, graph_crc = ?, fingerprint = ? WHERE id = ?",
                        [.text(graphJSON), .checksum(of: graphJSON), .text(graph.fingerprint), .text(id.rawValue)])
                    run.fingerprint = graph.fingerprint
                }

                let loaded = try Journal.loadTasks(db, id)
                var byID = Dictionary(uniqueKeysWithValues: loaded.map { ($0.id, $0) })
                var records = graph.tasks.map { byID.removeValue(forKey: $0.id) ?? TaskRecord(id: $0.id, at: now) }

                if run.state == .succeeded && records.allSatisfy(\.state.releasesDependents) && events.isEmpty {
                    return (nil, records)
                }
                if run.cancelRequested {
                    try db.run(
                        "UPDATE runs SET state = 'cancelled', updated_at = ?, lease_owner = NULL, lease_expires_at = NULL WHERE id = ?",
                        [.double(now.timeIntervalSince1970), .text(id.rawValue)])
                    try Journal.insert(
                        db, run: id,
                        PendingEvent(at: now, actor: actor, action: "run.cancelled", reason: "a cancel was requested while it ran"))
                    throw EngineError(.invalidState, "Run '\(id)' was cancelled and cannot be resumed.", runID: id)
                }
                if options.changeWindows != nil || options.maxIdleWait != nil {
                    if let windows = options.changeWindows { run.options.changeWindows = windows }
                    if let wait = options.maxIdleWait { run.options.maxIdleWait = wait }
                    try db.run(
                        "UPDATE runs SET options = ? WHERE id = ?", [.text(try JSONCoding.string(run.options)), .text(id.rawValue)])
                }

                // Messages sent to an owner that parked before it read them take effect now.
                for message in try Journal.loadMessages(db, run: id) {
                    if let event = message.apply(to: &records) { events.append(event) }
                    try db.run("DELETE FROM run_messages WHERE seq = ?", [.integer(message.sequence)])
                }

                // A task found running was interrupted by a crash, kill or power loss.
                for index in records.indices where records[index].state == .running {
                    records[index].consecutiveCrashes += 1
                    records[index].updatedAt = now
                    let crashes = records[index].consecutiveCrashes
                    if crashes >= maxCrashes {
                        records[index].state = .failed
                        records[index].lastError = TaskErrorInfo(
                            retryable: false,
                            message: "The process stopped \(crashes) times in a row while this task was running, so it was stopped instead of being started again. Find the cause in the host's logs, then retry the task.",
                            code: "crashLoop")
                        events.append(
                            PendingEvent(
                                taskID: records[index].id, at: now, actor: actor, action: "task.failed",
                                reason: records[index].lastError?.message, attempt: records[index].attempts))
                    } else {
                        records[index].state = .pending
                        events.append(
                            PendingEvent(
                                taskID: records[index].id, at: now, actor: actor, action: "task.crashed",
                                reason: "the process stopped while this attempt ran (\(crashes) in a row)",
                                attempt: records[index].attempts))
                    }
                    try Journal.update(db, run: id, records[index])
                }

                run.state = .running
                run.updatedAt = now
                run.leaseOwner = owner
                run.leaseExpiresAt = now.addingTimeInterval(policy.leaseDuration.timeInterval)
                try db.run(
                    "UPDATE runs SET state = 'running', updated_at = ?, lease_owner = ?, lease_expires_at = ?, wake_at = NULL WHERE id = ?",
                    [
                        .double(now.timeIntervalSince1970), .text(owner),
                        .double(run.leaseExpiresAt!.timeIntervalSince1970), .text(id.rawValue),
                    ])
                events.append(PendingEvent(at: now, actor: options.actor, action: "run.resumed", reason: options.reason))
                for event in events { try Journal.insert(db, run: id, event) }
                return (run, records)
            }
        }
    }


    private static func applyGraphChange(_ diff: GraphDiff, graph: TaskGraph, run: RunID, db: SQLiteConnection, at now: Date) throws {
        for removed in diff.removed {
            try db.run("DELETE FROM tasks WHERE run_id = ? AND task_id = ?", [.text(run.rawValue), .text(removed.rawValue)])
        }
        for change in diff.changed {
            try db.run(
                """
                UPDATE tasks SET state = 'pending', attempts = 0, crashes = 0, output = NULL, output_crc = NULL, error = NULL,
                                 park = NULL, confirmation = NULL, observation = NULL, checkpoint = NULL,
                                 checkpoint_crc = NULL, next_attempt_at = NULL,
                                 updated_at = ?
                WHERE run_id = ? AND task_id = ?
                """,
                [.double(now.timeIntervalSince1970), .text(run.rawValue), .text(change.id.rawValue)])
        }
        try Journal.insertTasks(db, run: run, ids: diff.added, from: graph.tasks.count, at: now)
        for (position, task) in graph.tasks.enumerated() {
            try db.run(
                "UPDATE tasks SET position = ? WHERE run_id = ? AND task_id = ?",
                [.integer(Int64(position)), .text(run.rawValue), .text(task.id.rawValue)])
        }
    }
}
