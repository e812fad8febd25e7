package import Foundation

/// Preparing a run for resumption: the journal side of ``Engine/resume(_:graph:options:)``.
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
                try ResumeRules.refuseCancelled(run)
                try Journal.requireNoLiveOwner(run, other: owner, now: now, advice: "Wait for it to finish, or resume after the lease expires.")
                var events: [PendingEvent] = []
                if run.fingerprint != graph.fingerprint {
                    let diff = GraphDiff(old: try Journal.loadGraph(db, id), new: graph.descriptors)
                    if !diff.isEmpty {
                        try ResumeRules.refuseUnaccepted(diff, run: id, options: options)
                        try Journal.applyGraphChange(diff, graph: graph, run: id, db: db, at: now)
                        events.append(ResumeRules.graphChangedEvent(diff, options: options, at: now))
                    }
                    let graphJSON = JSONCoding.graphJSON(graph.descriptors)
                    try db.run(
                        "UPDATE runs SET graph = ?, graph_crc = ?, fingerprint = ? WHERE id = ?",
                        [.text(graphJSON), .checksum(of: graphJSON), .text(graph.fingerprint), .text(id.rawValue)])
                    run.fingerprint = graph.fingerprint
                }

                var records = ResumeRules.records(try Journal.loadTasks(db, id), in: graph, at: now)
                if ResumeRules.alreadyDone(run, records, events: events) { return (nil, records) }
                if run.cancelRequested {
                    try db.run(
                        "UPDATE runs SET state = 'cancelled', updated_at = ?, lease_owner = NULL, lease_expires_at = NULL WHERE id = ?",
                        [.double(now.timeIntervalSince1970), .text(id.rawValue)])
                    try Journal.insert(db, run: id, ResumeRules.cancelledWhileRunning(actor: actor, at: now))
                    run.state = .cancelled
                    return (run, records)
                }
                if options.changeWindows != nil || options.maxIdleWait != nil {
                    if let windows = options.changeWindows { run.options.changeWindows = windows }
                    if let wait = options.maxIdleWait { run.options.maxIdleWait = wait }
                    try db.run(
                        "UPDATE runs SET options = ? WHERE id = ?", [.text(try JSONCoding.string(run.options)), .text(id.rawValue)])
                }

                // Messages sent to an owner that parked before it read them take effect now, and a
                // task found running was interrupted by a crash, kill or power loss.
                let messages = try Journal.loadMessages(db, run: id)
                let applied = ResumeRules.applyLeftMessages(
                    messages, to: &records, at: now, actor: actor, maxConsecutiveCrashes: maxCrashes)
                events += applied.events
                for message in messages { try db.run("DELETE FROM run_messages WHERE seq = ?", [.integer(message.sequence)]) }
                for index in applied.changed { try Journal.update(db, run: id, records[index]) }

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
                events.append(ResumeRules.resumedEvent(options: options, at: now))
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
