package import Foundation

/// The journal side of the support actions: each is one IMMEDIATE transaction that checks the
/// run's state and lease, changes its task records, records who acted and why, and makes the
/// run due for a worker.
extension Journal {
    /// What a support action did to a run's task records, beyond the records themselves.
    package struct SupportChange: Sendable {
        /// The events that record it.
        package var events: [PendingEvent] = []
        /// Tasks whose checkpoints are cleared (they run again from scratch).
        package var clearCheckpoints: Set<TaskID> = []

        init(events: [PendingEvent] = [], clearCheckpoints: Set<TaskID> = []) {
            self.events = events
            self.clearCheckpoints = clearCheckpoints
        }
    }

    /// Applies a support action to a run no live engine holds: `change` receives the run's task
    /// records (and, with `needsGraph`, its journaled graph); the records it changes are written,
    /// with its events, and the run is due at once.
    ///
    /// - Throws: ``EngineError`` `unknownRun`, `invalidState` for a cancelled run, `runLeased`
    ///   while another live engine holds the run; what `change` throws (nothing is written).
    package func applySupportAction(
        _ run: RunID, owner: String, now: Date, needsGraph: Bool,
        _ change: @escaping @Sendable (inout [TaskRecord], [TaskDescriptor]) throws -> SupportChange
    ) async throws {
        try await perform { db in
            try db.transaction {
                let record = try Journal.loadRun(db, run)
                if record.state == .cancelled {
                    throw EngineError(.invalidState, "Run '\(run)' was cancelled; support actions no longer apply.", runID: run)
                }
                try Journal.requireNoLiveOwner(record, other: owner, now: now, advice: "Wait for it to stop, or cancel it.")
                let before = try Journal.loadTasks(db, run)
                var tasks = before
                let result = try change(&tasks, needsGraph ? try Journal.loadGraph(db, run) : [])
                for (old, new) in zip(before, tasks) where old != new { try Journal.update(db, run: run, new) }
                for task in result.clearCheckpoints {
                    try db.run(
                        "UPDATE tasks SET checkpoint = NULL, checkpoint_crc = NULL WHERE run_id = ? AND task_id = ?",
                        [.text(run.rawValue), .text(task.rawValue)])
                }
                for event in result.events { try Journal.insert(db, run: run, event) }
                try Journal.wakeNow(db, run: run)
            }
        }
    }

    /// Delivers a confirmation or signal (already checked by `validate`) in one transaction: to
    /// the run's live owner as a message, or applied to a parked run's records, which then
    /// becomes due. `validate` throws what it refuses and returns `false` when the message is
    /// no longer needed (nothing is written).
    ///
    /// - Parameters:
    ///   - owner: this engine's owner id; `executingHere` whether this engine executes the run.
    /// - Returns: how it was delivered, and the message when this engine's execution should get it.
    package func deliver(
        _ message: OwnerMessage, owner: String, executingHere: Bool,
        validate: @escaping @Sendable (RunRecord, [TaskRecord]) throws -> Bool
    ) async throws -> (SupportDelivery, OwnerMessage?) {
        let run = message.run
        return try await perform { db in
            try db.transaction {
                let record = try Journal.loadRun(db, run)
                guard record.state != .cancelled else {
                    throw EngineError(.invalidState, "Run '\(run)' was cancelled; nothing is waiting.", runID: run)
                }
                var tasks = try Journal.loadTasks(db, run)
                guard try validate(record, tasks) else { return (.alreadyDone, nil) }
                guard record.state != .succeeded else {
                    throw EngineError(.invalidState, "Run '\(run)' already succeeded; nothing is waiting.", runID: run)
                }
                let holder = record.leaseOwner
                let ownedHere = holder == owner && executingHere
                if ownedHere || LeaseOwner.isLive(owner: holder, expiresAt: record.leaseExpiresAt, now: message.at, self: owner) {
                    try Journal.send(db, message.kind, run: run, task: message.task, actor: message.actor, note: message.note, at: message.at)
                    var sent = message
                    sent.sequence = Int64(try db.scalar("SELECT last_insert_rowid()")?.int ?? 0)
                    return ownedHere ? (.delivered, sent) : (.sent(owner: holder ?? ""), nil)
                }
                // Parked (or held by nobody alive): applied now; the run is due at once.
                let before = tasks
                if let event = message.apply(to: &tasks) { try Journal.insert(db, run: run, event) }
                for (old, new) in zip(before, tasks) where old != new { try Journal.update(db, run: run, new) }
                try Journal.wakeNow(db, run: run)
                return (.recorded, nil)
            }
        }
    }

    /// Cancels a run no live engine holds, or asks the live owner to (it stops within its
    /// message poll interval).
    ///
    /// - Throws: ``EngineError`` `unknownRun`, or `invalidState` if it already succeeded or was cancelled.
    package func cancelRun(_ run: RunID, actor: String, reason: String?, owner: String, now: Date) async throws -> SupportDelivery {
        try await perform { db in
            try db.transaction {
                let record = try Journal.loadRun(db, run)
                guard record.state != .succeeded && record.state != .cancelled else {
                    throw EngineError(.invalidState, "Run '\(run)' already \(record.state); nothing to cancel.", runID: run)
                }
                if LeaseOwner.isLive(owner: record.leaseOwner, expiresAt: record.leaseExpiresAt, now: now, self: owner),
                    let holder = record.leaseOwner
                {
                    try db.run("UPDATE runs SET cancel_requested = 1 WHERE id = ?", [.text(run.rawValue)])
                    // Also a message, so the owner's next poll sees it (not only its next lease renewal).
                    try Journal.send(db, .cancel, run: run, task: nil, actor: actor, note: reason, at: now)
                    try Journal.insert(
                        db, run: run,
                        PendingEvent(
                            at: now, actor: actor, action: "run.cancel-requested",
                            reason: [reason, "owner: \(holder)"].compactMap { $0 }.joined(separator: "; ")))
                    return .sent(owner: holder)
                }
                try db.run(
                    "UPDATE runs SET state = 'cancelled', updated_at = ?, lease_owner = NULL, lease_expires_at = NULL, wake_at = NULL WHERE id = ?",
                    [.double(now.timeIntervalSince1970), .text(run.rawValue)])
                try Journal.insert(db, run: run, PendingEvent(at: now, actor: actor, action: "run.cancelled", reason: reason))
                return .recorded
            }
        }
    }

    /// Throws `runLeased`, naming the holder, while an engine other than `other` holds the run's
    /// lease and is alive.
    static func requireNoLiveOwner(_ run: RunRecord, other owner: String, now: Date, advice: String) throws {
        guard LeaseOwner.isLive(owner: run.leaseOwner, expiresAt: run.leaseExpiresAt, now: now, self: owner),
            let holder = run.leaseOwner, let expiry = run.leaseExpiresAt
        else { return }
        throw EngineError(
            .runLeased,
            "Run '\(run.id)' is being run by \(holder) right now (lease until \(expiry.formatted(.iso8601))). \(advice)",
            runID: run.id)
    }
}
