import Foundation
import OnboardingEngine
import PostgresNIO

/// Claiming, timers, messages and heartbeats on PostgreSQL: what several workers on several
/// hosts share.
extension PostgresJournal {
    /// Claims due runs with `FOR UPDATE SKIP LOCKED`: a run another worker is claiming at the same
    /// moment is skipped, never taken twice. Leases are compared with, and set from, the
    /// database's clock; a worker host that is gone is known only by its lease expiring.
    package func claimDue(owner: String, leaseUntil: Date, now: Date, workflows: [String], limit: Int) async throws -> [RunID] {
        guard limit > 0, !workflows.isEmpty else { return [] }
        let seconds = max(0, leaseUntil.timeIntervalSince(now))
        return try await transaction { [self] connection in
            var claimed: [RunID] = []
            for try await id in try await connection.query(
                """
                WITH clock AS (SELECT extract(epoch FROM clock_timestamp()) AS now),
                due AS (
                    SELECT id FROM runs, clock
                    WHERE state NOT IN ('succeeded', 'cancelled')
                      AND (wake_at <= clock.now OR (state = 'running' AND wake_at IS NULL) OR lease_owner IS NOT NULL)
                      AND (lease_owner IS NULL OR lease_expires_at IS NULL OR lease_expires_at <= clock.now)
                      AND workflow = ANY(\(workflows))
                    ORDER BY coalesce(wake_at, 0), created_at
                    LIMIT \(limit)
                    FOR UPDATE OF runs SKIP LOCKED)
                UPDATE runs SET lease_owner = \(owner), lease_expires_at = (SELECT now FROM clock) + \(seconds), wake_at = NULL
                WHERE id IN (SELECT id FROM due)
                RETURNING id
                """, logger: logger
            ).decode(String.self) { claimed.append(RunID(id)) }
            return claimed
        }
    }

    /// When a run of `workflows` next needs a worker, on this host's clock (the database's time
    /// plus how long until then), so the worker sleeps the right length whatever the clocks say.
    package func nextWake(workflows: [String], excluding owner: String) async throws -> Date? {
        guard !workflows.isEmpty else { return nil }
        return try await read { [self] connection in
            var wait: Double?
            for try await value in try await connection.query(
                """
                SELECT min(t) - extract(epoch FROM clock_timestamp()) FROM (
                    SELECT min(wake_at) AS t FROM runs
                    WHERE wake_at IS NOT NULL AND state NOT IN ('succeeded', 'cancelled') AND workflow = ANY(\(workflows))
                    UNION ALL
                    SELECT min(lease_expires_at) FROM runs
                    WHERE lease_owner IS NOT NULL AND lease_owner IS DISTINCT FROM \(owner) AND state NOT IN ('succeeded', 'cancelled')
                      AND workflow = ANY(\(workflows))) AS due
                """, logger: logger
            ).decode(Double?.self) { wait = value }
            return wait.map { Date().addingTimeInterval($0) }
        }
    }

    package func releaseClaim(run: RunID, owner: String, wakeAt: Date?, event: PendingEvent?) async throws {
        // A time on the host's clock, as a delay from now on the database's.
        let delay = wakeAt.map { $0.timeIntervalSinceNow }
        try await transaction { [self] connection in
            var released = false
            for try await _ in try await connection.query(
                """
                UPDATE runs SET lease_owner = NULL, lease_expires_at = NULL,
                                wake_at = extract(epoch FROM clock_timestamp()) + \(delay)
                WHERE id = \(run.rawValue) AND lease_owner = \(owner) RETURNING 1
                """, logger: logger
            ) { released = true }
            if let event, released { try await insertEvent(connection, run: run, event) }
        }
    }

    package func pendingMessages() async throws -> [RunID: [OwnerMessage]] {
        try await read { [self] connection in
            Dictionary(grouping: try await loadMessages(connection, run: nil), by: \.run)
        }
    }

    package func heartbeat(worker id: String, startedAt: Date, now: Date) async throws {
        try await transaction { [self] connection in
            try await connection.query(
                """
                INSERT INTO workers (id, started_at, heartbeat_at)
                VALUES (\(id), \(startedAt.timeIntervalSince1970), extract(epoch FROM clock_timestamp()))
                ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at
                """, logger: logger)
        }
    }

    package func removeWorker(_ id: String) async throws {
        try await transaction { [self] connection in
            try await connection.query("DELETE FROM workers WHERE id = \(id)", logger: logger)
        }
    }
}
