public import Foundation

/// What ``Journal/prune(endedBefore:dryRun:batchSize:)`` removed (or would remove).
public struct PruneReport: Sendable, Hashable {
    /// The runs removed (or, in a dry run, that would be), oldest first.
    public var runs: [RunSummary]
    /// Their events.
    public var events: Int
    /// The file's size before and after, in bytes (equal in a dry run).
    public var bytesBefore: Int64
    /// The file's size after pruning and giving free pages back.
    public var bytesAfter: Int64

    /// Creates a report (the PostgreSQL journal makes its own).
    package init(runs: [RunSummary], events: Int, bytesBefore: Int64, bytesAfter: Int64) {
        self.runs = runs
        self.events = events
        self.bytesBefore = bytesBefore
        self.bytesAfter = bytesAfter
    }
}

/// Retention: removing runs that ended long ago, so the journal does not grow forever.
extension Journal {
    /// Runs that ended (succeeded, cancelled, or failed) and have not changed since `cutoff`:
    /// the ones ``prune(endedBefore:dryRun:batchSize:)`` removes. A run that is running, parked
    /// (waiting, blocked) or leased is never among them.
    ///
    /// "Not changed" covers the run's row and its timeline: a support action on a failed run
    /// (a retry not yet resumed, a skip) keeps it.
    public func prunableRuns(endedBefore cutoff: Date) throws -> [RunSummary] {
        let ids = try withConnection { db in
            var ids: Set<String> = []
            try db.query("SELECT id FROM runs WHERE \(Journal.prunable)", [.double(cutoff.timeIntervalSince1970)]) { row in
                ids.insert(row.text(0) ?? "")
            }
            return ids
        }
        return try runs().filter { ids.contains($0.id.rawValue) }
            .sorted { ($0.updatedAt, $0.id.rawValue) < ($1.updatedAt, $1.id.rawValue) }
    }

    /// The condition on a `runs` row (`?1`: the cutoff) under which it may be pruned.
    private static let prunable = """
        state IN ('succeeded', 'cancelled', 'failed') AND lease_owner IS NULL AND updated_at < ?1
        AND coalesce((SELECT max(at) FROM events WHERE events.run_id = runs.id), 0) < ?1
        """

    /// Deletes runs that ended before `cutoff` with their tasks and events, `batchSize` runs per
    /// transaction, then gives the freed pages back to the file system.
    ///
    /// Each batch checks again, inside its transaction, that each run is still ended and
    /// unchanged, so a run a person retried meanwhile is kept. The event log stays append-only
    /// for live runs (a trigger refuses deleting their events).
    ///
    /// - Parameters:
    ///   - cutoff: runs whose last change is older are removed.
    ///   - dryRun: report what would be removed; change nothing.
    ///   - batchSize: runs per transaction, so other processes are not held up for long.
    /// - Returns: what was removed.
    /// - Throws: ``JournalError`` (a read-only journal, a busy file).
    @discardableResult
    public func prune(endedBefore cutoff: Date, dryRun: Bool = false, batchSize: Int = 200) throws -> PruneReport {
        let candidates = try prunableRuns(endedBefore: cutoff)
        let before = sizeOnDisk()
        var removed: [RunSummary] = []
        var events = 0
        if dryRun {
            events = try withConnection { db in
                try db.scalar(
                    "SELECT count(*) FROM events WHERE run_id IN (SELECT id FROM runs WHERE \(Journal.prunable))",
                    [.double(cutoff.timeIntervalSince1970)])?.int ?? 0
            }
            return PruneReport(runs: candidates, events: events, bytesBefore: before, bytesAfter: before)
        }
        var start = candidates.startIndex
        while start < candidates.endIndex {
            let batch = candidates[start..<min(start + max(1, batchSize), candidates.endIndex)]
            start = batch.endIndex
            try withConnection { db in
                try db.transaction {
                    for run in batch {
                        let still = try db.scalar(
                            "SELECT 1 FROM runs WHERE id = ?2 AND \(Journal.prunable)",
                            [.double(cutoff.timeIntervalSince1970), .text(run.id.rawValue)])
                        guard still != nil else { continue }
                        events += try db.scalar("SELECT count(*) FROM events WHERE run_id = ?", [.text(run.id.rawValue)])?.int ?? 0
                        for table in ["events", "tasks", "run_messages"] {
                            try db.run("DELETE FROM \(table) WHERE run_id = ?", [.text(run.id.rawValue)])
                        }
                        try db.run("DELETE FROM runs WHERE id = ?", [.text(run.id.rawValue)])
                        removed.append(run)
                    }
                }
            }
        }
        if !removed.isEmpty {
            try withConnection { db in
                // Gives free pages back (journals made since schema 3); a no-op for older files.
                try db.execute("PRAGMA incremental_vacuum")
                try db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            }
        }
        return PruneReport(runs: removed, events: events, bytesBefore: before, bytesAfter: sizeOnDisk())
    }

    /// Rewrites the file without its free pages (`VACUUM`): for a journal made before schema 3,
    /// whose pruned pages are otherwise only reused. Needs the journal to itself for a moment.
    ///
    /// In WAL mode `VACUUM` writes the rewritten file into the WAL; the checkpoint that follows
    /// moves it into the file and empties the WAL, so the file shrinks now, not at some later
    /// checkpoint (and ``sizeOnDisk()`` shows it).
    public func vacuum() throws {
        try withConnection { db in
            try db.execute("VACUUM")
            try db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        }
    }

    /// The journal file's size with its WAL, in bytes.
    public func sizeOnDisk() -> Int64 {
        [path, path + "-wal"].reduce(0) { total, file in
            let size = (try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber
            return total + (size?.int64Value ?? 0)
        }
    }
}
