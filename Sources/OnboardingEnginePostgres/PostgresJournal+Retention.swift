import Foundation
import OnboardingEngine
import PostgresNIO

/// Retention on PostgreSQL: removing runs that ended long ago, as ``Journal/prune(endedBefore:dryRun:batchSize:)``
/// does for the SQLite file, with the same rule for which runs go.
extension PostgresJournal {
    /// Runs that ended (succeeded, cancelled, or failed) and have not changed since `cutoff`:
    /// the ones ``prune(endedBefore:dryRun:batchSize:)`` removes, oldest first. A run that is
    /// running, parked (waiting, blocked) or leased is never among them, nor one whose timeline
    /// gained an event since `cutoff` (a support action on a failed run keeps it).
    ///
    /// - Throws: ``JournalError`` (`unreachable`, `database`).
    public func prunableRuns(endedBefore cutoff: Date) async throws -> [RunSummary] {
        let ids = try await read { [self] connection in
            var ids: Set<String> = []
            for try await id in try await connection.query(
                PostgresQuery(unsafeSQL: "SELECT id FROM runs WHERE \(Self.prunable)", binds: Self.bindings(cutoff)),
                logger: logger
            ).decode(String.self) { ids.insert(id) }
            return ids
        }
        return try await fetchRuns(state: nil).filter { ids.contains($0.id.rawValue) }
            .sorted { ($0.updatedAt, $0.id.rawValue) < ($1.updatedAt, $1.id.rawValue) }
    }

    /// The condition on a `runs` row (`$1`: the cutoff in Unix seconds) under which it may be pruned.
    private static let prunable = """
        state IN ('succeeded', 'cancelled', 'failed') AND lease_owner IS NULL AND updated_at < $1
        AND coalesce((SELECT max(at) FROM events WHERE events.run_id = runs.id), 0) < $1
        """

    private static func bindings(_ cutoff: Date, _ run: RunID? = nil) -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(cutoff.timeIntervalSince1970)
        if let run { bindings.append(run.rawValue) }
        return bindings
    }

    /// Deletes runs that ended before `cutoff` with their tasks, events and messages, `batchSize`
    /// runs per transaction.
    ///
    /// Each batch locks each run's row and checks again that it is still ended and unchanged, so a
    /// run a person retried meanwhile is kept. The event log stays append-only for live runs (its
    /// trigger refuses deleting their events). The space freed is reused by the tables once
    /// PostgreSQL's autovacuum has passed, not given back to the file system, so the sizes in the
    /// report seldom drop at once.
    ///
    /// - Parameters:
    ///   - cutoff: runs whose last change is older are removed.
    ///   - dryRun: report what would be removed; change nothing.
    ///   - batchSize: runs per transaction, so other hosts are not held up for long.
    /// - Returns: what was removed; its sizes are ``sizeOnDisk()`` before and after.
    /// - Throws: ``JournalError`` (`unreachable`, or `database` for a statement the server refused,
    ///   such as a role without `DELETE`).
    @discardableResult
    public func prune(endedBefore cutoff: Date, dryRun: Bool = false, batchSize: Int = 200) async throws -> PruneReport
    {
        let candidates = try await prunableRuns(endedBefore: cutoff)
        let before = try await sizeOnDisk()
        if dryRun {
            let events = try await read { [self] connection in
                var count = 0
                for try await value in try await connection.query(
                    PostgresQuery(
                        unsafeSQL:
                            "SELECT count(*) FROM events WHERE run_id IN (SELECT id FROM runs WHERE \(Self.prunable))",
                        binds: Self.bindings(cutoff)),
                    logger: logger
                ).decode(Int.self) { count = value }
                return count
            }
            return PruneReport(runs: candidates, events: events, bytesBefore: before, bytesAfter: before)
        }
        var removed: [RunSummary] = []
        var events = 0
        var start = candidates.startIndex
        while start < candidates.endIndex {
            let batch = Array(candidates[start..<min(start + max(1, batchSize), candidates.endIndex)])
            start += batch.count
            let (gone, count) = try await transaction { [self] connection in
                var gone: [RunSummary] = []
                var count = 0
                for run in batch {
                    var still = false
                    for try await _ in try await connection.query(
                        PostgresQuery(
                            unsafeSQL: "SELECT 1 FROM runs WHERE id = $2 AND \(Self.prunable) FOR UPDATE",
                            binds: Self.bindings(cutoff, run.id)),
                        logger: logger
                    ) { still = true }
                    guard still else { continue }
                    for try await value in try await connection.query(
                        "SELECT count(*) FROM events WHERE run_id = \(run.id.rawValue)", logger: logger
                    ).decode(Int.self) { count += value }
                    try await connection.query("DELETE FROM events WHERE run_id = \(run.id.rawValue)", logger: logger)
                    try await connection.query("DELETE FROM tasks WHERE run_id = \(run.id.rawValue)", logger: logger)
                    try await connection.query(
                        "DELETE FROM run_messages WHERE run_id = \(run.id.rawValue)", logger: logger)
                    try await connection.query("DELETE FROM runs WHERE id = \(run.id.rawValue)", logger: logger)
                    gone.append(run)
                }
                return (gone, count)
            }
            removed += gone
            events += count
        }
        return PruneReport(runs: removed, events: events, bytesBefore: before, bytesAfter: try await sizeOnDisk())
    }

    /// The journal's tables with their indexes and TOAST data, in bytes, as the server reports them.
    ///
    /// - Throws: ``JournalError`` (`unreachable`, `database`).
    public func sizeOnDisk() async throws -> Int64 {
        try await read { [self] connection in
            var size: Int64 = 0
            for try await value in try await connection.query(
                """
                SELECT coalesce(sum(pg_total_relation_size(to_regclass(name))), 0)::bigint
                FROM unnest(ARRAY['onboarding_journal', 'runs', 'tasks', 'events', 'run_messages', 'workers']) AS name
                """, logger: logger
            ).decode(Int64.self) { size = value }
            return size
        }
    }
}
