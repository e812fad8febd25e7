public import Foundation

/// What workers need from the journal: claiming due runs, durable timers, messages to a run's
/// owner, and the workers' heartbeats.
extension Journal {
    // MARK: - Claiming

    /// Takes the lease on up to `limit` runs that need attention, in one statement: runs left
    /// `running` whose owner's lease expired or whose process is gone (crash recovery, and runs
    /// submitted but never started), parked runs whose ``RunRecord/wakeAt`` is due, and any run
    /// still leased by an owner that is gone or whose lease expired — a worker that claimed a
    /// parked run (clearing its timer) and died before resuming it leaves such a run. A run
    /// given back with a future `wake_at` (a worker that could not build its graph, a drained
    /// run whose next retry is later) waits for it.
    ///
    /// - Parameters:
    ///   - workflows: only runs of these workflows (the ones the worker can build graphs for).
    /// - Returns: the claimed runs, earliest due first.
    package func claimDue(owner: String, leaseUntil: Date, now: Date, workflows: [String], limit: Int) async throws -> [RunID] {
        guard limit > 0, !workflows.isEmpty else { return [] }
        let names = try JSONCoding.string(workflows)
        return try await perform { db in
            var claimed: [RunID] = []
            try db.transaction {
                try db.query(
                    """
                    UPDATE runs SET lease_owner = ?1, lease_expires_at = ?2, wake_at = NULL
                    WHERE id IN (
                        SELECT id FROM runs
                        WHERE state NOT IN ('succeeded', 'cancelled')
                          AND (wake_at <= ?3 OR (state = 'running' AND wake_at IS NULL) OR lease_owner IS NOT NULL)
                          AND (lease_owner IS NULL OR lease_expires_at IS NULL OR lease_expires_at <= ?3
                               OR onboarding_owner_gone(lease_owner))
                          AND workflow IN (SELECT value FROM json_each(?4))
                        ORDER BY coalesce(wake_at, 0), created_at
                        LIMIT ?5)
                    RETURNING id
                    """,
                    [
                        .text(owner), .double(leaseUntil.timeIntervalSince1970), .double(now.timeIntervalSince1970),
                        .text(names), .integer(Int64(limit)),
                    ]
                ) { row in claimed.append(RunID(row.text(0) ?? "")) }
            }
            return claimed
        }
    }

    /// When a run of `workflows` next needs a worker: the earliest durable timer, or the earliest
    /// expiry of another engine's lease on a running run. `nil` when nothing is scheduled.
    package func nextWake(workflows: [String], excluding owner: String) async throws -> Date? {
        guard !workflows.isEmpty else { return nil }
        let names = try JSONCoding.string(workflows)
        return try await perform { db in
            let value = try db.scalar(
                """
                SELECT min(t) FROM (
                    SELECT min(wake_at) AS t FROM runs
                    WHERE wake_at IS NOT NULL AND state NOT IN ('succeeded', 'cancelled')
                      AND workflow IN (SELECT value FROM json_each(?1))
                    UNION ALL
                    SELECT min(lease_expires_at) FROM runs
                    WHERE lease_owner IS NOT NULL AND lease_owner IS NOT ?2 AND state NOT IN ('succeeded', 'cancelled')
                      AND workflow IN (SELECT value FROM json_each(?1)))
                """,
                [.text(names), .text(owner)])
            return value?.double.map(Date.init(timeIntervalSince1970:))
        }
    }

    /// Gives back a claim the worker could not use, with the time to look at the run again
    /// (`nil`: only when a person acts).
    package func releaseClaim(run: RunID, owner: String, wakeAt: Date?, event: PendingEvent?) async throws {
        try await perform { db in
            try db.transaction {
                try db.run(
                    "UPDATE runs SET lease_owner = NULL, lease_expires_at = NULL, wake_at = ? WHERE id = ? AND lease_owner = ?",
                    [.optionalDouble(wakeAt?.timeIntervalSince1970), .text(run.rawValue), .text(owner)])
                if let event, db.changes > 0 { try Journal.insert(db, run: run, event) }
            }
        }
    }

    /// Makes a run due at once (after a support action), unless it ended.
    static func wakeNow(_ db: SQLiteConnection, run: RunID) throws {
        try db.run(
            "UPDATE runs SET wake_at = 0 WHERE id = ? AND state NOT IN ('succeeded', 'cancelled')", [.text(run.rawValue)])
    }

    // MARK: - Messages to a run's owner

    static func send(_ db: SQLiteConnection, _ kind: OwnerMessage.Kind, run: RunID, task: TaskID?, actor: String, note: String?, at: Date)
        throws
    {
        try db.run(
            "INSERT INTO run_messages (run_id, kind, task_id, actor, note, at) VALUES (?, ?, ?, ?, ?, ?)",
            [
                .text(run.rawValue), .text(kind.rawValue), .optionalText(task?.rawValue), .text(actor), .optionalText(note),
                .double(at.timeIntervalSince1970),
            ])
    }

    static func loadMessages(_ db: SQLiteConnection, run: RunID) throws -> [OwnerMessage] {
        var messages: [OwnerMessage] = []
        try db.query(
            "SELECT seq, kind, task_id, actor, note, at FROM run_messages WHERE run_id = ? ORDER BY seq", [.text(run.rawValue)]
        ) { row in
            guard let kind = OwnerMessage.Kind(rawValue: row.text(1) ?? "") else { return }
            messages.append(
                OwnerMessage(
                    sequence: Int64(row.int(0)), run: run, kind: kind, task: row.text(2).map { TaskID($0) },
                    actor: row.text(3) ?? "", note: row.text(4), at: Date(timeIntervalSince1970: row.double(5) ?? 0)))
        }
        return messages
    }

    /// Every message waiting for a run's owner, by run: one read for all the runs an engine
    /// executes (the table holds only messages not yet applied, so it stays small).
    package func pendingMessages() async throws -> [RunID: [OwnerMessage]] {
        try await perform { db in
            var messages: [RunID: [OwnerMessage]] = [:]
            try db.query("SELECT seq, run_id, kind, task_id, actor, note, at FROM run_messages ORDER BY seq") { row in
                guard let kind = OwnerMessage.Kind(rawValue: row.text(2) ?? "") else { return }
                let run = RunID(row.text(1) ?? "")
                messages[run, default: []].append(
                    OwnerMessage(
                        sequence: Int64(row.int(0)), run: run, kind: kind, task: row.text(3).map { TaskID($0) },
                        actor: row.text(4) ?? "", note: row.text(5), at: Date(timeIntervalSince1970: row.double(6) ?? 0)))
            }
            return messages
        }
    }

    // MARK: - Workers

    /// Records that worker `id` is alive (started at `startedAt`).
    package func heartbeat(worker id: String, startedAt: Date, now: Date) async throws {
        try await perform { db in
            try db.run(
                """
                INSERT INTO workers (id, started_at, heartbeat_at) VALUES (?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at
                """,
                [.text(id), .double(startedAt.timeIntervalSince1970), .double(now.timeIntervalSince1970)])
        }
    }

    /// Forgets worker `id` (it stopped).
    package func removeWorker(_ id: String) async throws {
        try await perform { db in try db.run("DELETE FROM workers WHERE id = ?", [.text(id)]) }
    }

    /// The workers that said they were alive within `window` before `now`, and whose process
    /// (on this host) still exists: a support tool that finds one leaves parked runs to it.
    public func liveWorkers(now: Date = Date(), window: Duration = .seconds(10)) throws -> [WorkerRecord] {
        try withConnection { db in
            var workers: [WorkerRecord] = []
            try db.query(
                "SELECT id, started_at, heartbeat_at FROM workers WHERE heartbeat_at > ? ORDER BY started_at",
                [.double(now.timeIntervalSince1970 - window.timeInterval)]
            ) { row in
                let id = row.text(0) ?? ""
                guard !LeaseOwner.isDeadLocalProcess(id) else { return }
                workers.append(
                    WorkerRecord(
                        id: id, startedAt: Date(timeIntervalSince1970: row.double(1) ?? 0),
                        heartbeatAt: Date(timeIntervalSince1970: row.double(2) ?? 0)))
            }
            return workers
        }
    }
}
