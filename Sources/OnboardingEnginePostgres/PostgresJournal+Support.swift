import Foundation
import OnboardingEngine
import PostgresNIO

/// Resumes and support actions on PostgreSQL: each one transaction that locks the run's row, so
/// it is checked and changed against the state no other host can change meanwhile.
extension PostgresJournal {
    package func prepareResume(
        _ id: RunID, graph: TaskGraph, options: ResumeOptions, policy: Journal.ResumePolicy
    ) async throws -> (run: RunRecord?, records: [TaskRecord]) {
        let (now, owner, actor) = (policy.now, policy.owner, policy.actor)
        let leaseSeconds = Double(policy.leaseDuration.components.seconds) + Double(policy.leaseDuration.components.attoseconds) / 1e18
        return try await transaction { [self] connection in
            let clock = try await databaseNow(connection)
            var run = try await loadRun(connection, id, lock: true)
            try ResumeRules.refuseCancelled(run)
            try requireNoLiveOwner(run, other: owner, now: clock, advice: "Wait for it to finish, or resume after the lease expires.")
            var events: [PendingEvent] = []
            if run.fingerprint != graph.fingerprint {
                let diff = GraphDiff(old: try await loadGraph(connection, id), new: graph.descriptors)
                if !diff.isEmpty {
                    try ResumeRules.refuseUnaccepted(diff, run: id, options: options)
                    try await applyGraphChange(connection, diff, graph: graph, run: id, at: now)
                    events.append(ResumeRules.graphChangedEvent(diff, options: options, at: now))
                }
                let graphJSON = JSONCoding.graphJSON(graph.descriptors)
                try await connection.query(
                    """
                    UPDATE runs SET graph = \(graphJSON), graph_crc = \(Int64(CRC32C.checksum(graphJSON))),
                                    fingerprint = \(graph.fingerprint)
                    WHERE id = \(id.rawValue)
                    """, logger: logger)
                run.fingerprint = graph.fingerprint
            }

            var records = ResumeRules.records(try await loadTasks(connection, id), in: graph, at: now)
            if ResumeRules.alreadyDone(run, records, events: events) { return (nil, records) }
            if run.cancelRequested {
                try await connection.query(
                    """
                    UPDATE runs SET state = 'cancelled', updated_at = \(now.timeIntervalSince1970), lease_owner = NULL,
                                    lease_expires_at = NULL
                    WHERE id = \(id.rawValue)
                    """, logger: logger)
                try await insertEvent(connection, run: id, ResumeRules.cancelledWhileRunning(actor: actor, at: now))
                run.state = .cancelled
                return (run, records)
            }
            if options.changeWindows != nil || options.maxIdleWait != nil {
                if let windows = options.changeWindows { run.options.changeWindows = windows }
                if let wait = options.maxIdleWait { run.options.maxIdleWait = wait }
                try await connection.query(
                    "UPDATE runs SET options = \(try JSONCoding.string(run.options)) WHERE id = \(id.rawValue)", logger: logger)
            }
            // Messages sent to an owner that parked before it read them take effect now, and a task
            // found running was interrupted by a crash, kill or power loss.
            let messages = try await loadMessages(connection, run: id)
            let applied = ResumeRules.applyLeftMessages(
                messages, to: &records, at: now, actor: actor, maxConsecutiveCrashes: policy.maxConsecutiveCrashes)
            events += applied.events
            for message in messages {
                try await connection.query("DELETE FROM run_messages WHERE seq = \(message.sequence)", logger: logger)
            }
            for index in applied.changed { try await updateTask(connection, run: id, records[index]) }

            run.state = .running
            run.updatedAt = now
            run.leaseOwner = owner
            run.leaseExpiresAt = now.addingTimeInterval(leaseSeconds)
            try await connection.query(
                """
                UPDATE runs SET state = 'running', updated_at = \(now.timeIntervalSince1970), lease_owner = \(owner),
                                lease_expires_at = \(clock + leaseSeconds), wake_at = NULL
                WHERE id = \(id.rawValue)
                """, logger: logger)
            events.append(ResumeRules.resumedEvent(options: options, at: now))
            for event in events { try await insertEvent(connection, run: id, event) }
            return (run, records)
        }
    }

    private func applyGraphChange(
        _ connection: PostgresConnection, _ diff: GraphDiff, graph: TaskGraph, run: RunID, at now: Date
    ) async throws {
        if !diff.removed.isEmpty {
            try await connection.query(
                "DELETE FROM tasks WHERE run_id = \(run.rawValue) AND task_id = ANY(\(diff.removed.map(\.rawValue)))", logger: logger)
        }
        if !diff.changed.isEmpty {
            try await connection.query(
                """
                UPDATE tasks SET state = 'pending', attempts = 0, crashes = 0, output = NULL, output_crc = NULL, error = NULL,
                                 park = NULL, confirmation = NULL, observation = NULL, checkpoint = NULL,
                                 checkpoint_crc = NULL, next_attempt_at = NULL, updated_at = \(now.timeIntervalSince1970)
                WHERE run_id = \(run.rawValue) AND task_id = ANY(\(diff.changed.map(\.id.rawValue)))
                """, logger: logger)
        }
        try await insertTasks(connection, run: run, ids: diff.added, from: graph.descriptors.count, at: now)
        try await connection.query(
            """
            UPDATE tasks SET position = t.position - 1
            FROM unnest(\(graph.descriptors.map(\.id.rawValue))::text[]) WITH ORDINALITY AS t (task_id, position)
            WHERE tasks.run_id = \(run.rawValue) AND tasks.task_id = t.task_id
            """, logger: logger)
    }

    // MARK: - Support actions

    package func applySupportAction(
        _ run: RunID, owner: String, now: Date, needsGraph: Bool,
        _ change: @escaping @Sendable (inout [TaskRecord], [TaskDescriptor]) throws -> Journal.SupportChange
    ) async throws {
        try await transaction { [self] connection in
            let clock = try await databaseNow(connection)
            let record = try await loadRun(connection, run, lock: true)
            if record.state == .cancelled {
                throw EngineError(.invalidState, "Run '\(run)' was cancelled; support actions no longer apply.", runID: run)
            }
            try requireNoLiveOwner(record, other: owner, now: clock, advice: "Wait for it to stop, or cancel it.")
            let before = try await loadTasks(connection, run)
            var tasks = before
            let result = try change(&tasks, needsGraph ? try await loadGraph(connection, run) : [])
            for (old, new) in zip(before, tasks) where old != new { try await updateTask(connection, run: run, new) }
            if !result.clearCheckpoints.isEmpty {
                try await connection.query(
                    """
                    UPDATE tasks SET checkpoint = NULL, checkpoint_crc = NULL
                    WHERE run_id = \(run.rawValue) AND task_id = ANY(\(result.clearCheckpoints.map(\.rawValue)))
                    """, logger: logger)
            }
            for event in result.events { try await insertEvent(connection, run: run, event) }
            try await wakeNow(connection, run: run)
        }
    }

    package func deliver(
        _ message: OwnerMessage, owner: String, executingHere: Bool,
        validate: @escaping @Sendable (RunRecord, [TaskRecord]) throws -> Bool
    ) async throws -> (SupportDelivery, OwnerMessage?) {
        let run = message.run
        return try await transaction { [self] connection in
            let clock = try await databaseNow(connection)
            let record = try await loadRun(connection, run, lock: true)
            guard record.state != .cancelled else {
                throw EngineError(.invalidState, "Run '\(run)' was cancelled; nothing is waiting.", runID: run)
            }
            var tasks = try await loadTasks(connection, run)
            guard try validate(record, tasks) else { return (.alreadyDone, nil) }
            guard record.state != .succeeded else {
                throw EngineError(.invalidState, "Run '\(run)' already succeeded; nothing is waiting.", runID: run)
            }
            let holder = record.leaseOwner
            let ownedHere = holder == owner && executingHere
            let live = holder != nil && holder != owner && (record.leaseExpiresAt?.timeIntervalSince1970 ?? 0) > clock
            if ownedHere || live {
                var sent = message
                sent.sequence = try await sendMessage(
                    connection, message.kind, run: run, task: message.task, actor: message.actor, note: message.note, at: message.at)
                return ownedHere ? (.delivered, sent) : (.sent(owner: holder ?? ""), nil)
            }
            // Parked (or held by nobody alive): applied now; the run is due at once.
            let before = tasks
            if let event = message.apply(to: &tasks) { try await insertEvent(connection, run: run, event) }
            for (old, new) in zip(before, tasks) where old != new { try await updateTask(connection, run: run, new) }
            try await wakeNow(connection, run: run)
            return (.recorded, nil)
        }
    }

    package func cancelRun(_ run: RunID, actor: String, reason: String?, owner: String, now: Date) async throws -> SupportDelivery {
        try await transaction { [self] connection in
            let clock = try await databaseNow(connection)
            let record = try await loadRun(connection, run, lock: true)
            guard record.state != .succeeded && record.state != .cancelled else {
                throw EngineError(.invalidState, "Run '\(run)' already \(record.state); nothing to cancel.", runID: run)
            }
            if let holder = record.leaseOwner, holder != owner, (record.leaseExpiresAt?.timeIntervalSince1970 ?? 0) > clock {
                try await connection.query("UPDATE runs SET cancel_requested = true WHERE id = \(run.rawValue)", logger: logger)
                _ = try await sendMessage(connection, .cancel, run: run, task: nil, actor: actor, note: reason, at: now)
                try await insertEvent(
                    connection, run: run,
                    PendingEvent(
                        at: now, actor: actor, action: "run.cancel-requested",
                        reason: [reason, "owner: \(holder)"].compactMap { $0 }.joined(separator: "; ")))
                return .sent(owner: holder)
            }
            try await connection.query(
                """
                UPDATE runs SET state = 'cancelled', updated_at = \(now.timeIntervalSince1970), lease_owner = NULL,
                                lease_expires_at = NULL, wake_at = NULL
                WHERE id = \(run.rawValue)
                """, logger: logger)
            try await insertEvent(connection, run: run, PendingEvent(at: now, actor: actor, action: "run.cancelled", reason: reason))
            return .recorded
        }
    }
}
