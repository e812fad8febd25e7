public import Foundation
import Synchronization

/// Copies the whole history of a journal into another, empty one: from an SQLite file to
/// PostgreSQL when one host no longer carries the work, back again, or file to file.
///
/// Every run is copied with its stored graph, input, options, state and timer (`wake_at`), its
/// tasks (states, attempts, outputs, checkpoints, errors, park reasons, confirmations), its
/// append-only timeline (the same sequence numbers, times, actors and reasons) and the messages
/// waiting for it. What belongs to the processes serving the source is not: a copied run is held
/// by no lease (a worker on the destination takes up a run left `running` at once), and the
/// workers' heartbeats stay behind.
///
/// - The source is only read. Each run is read in one snapshot, and every stored graph, input,
///   output and checkpoint is checked against its CRC-32C as it is read: a value that fails stops
///   the copy with a ``JournalError`` `corrupt` naming the run.
/// - The destination must hold no run (``JournalError`` `notEmpty` otherwise). Every run is written
///   in one transaction, with the same checksums; before it commits, each run is read back from the
///   destination and its rows' counts and checksum compared with the source's
///   (``JournalError`` `copyMismatch`). Whatever stops the copy, the destination has no run of it.
/// - The copy is refused (``EngineError`` `runLeased`, nothing written) while a worker serves the
///   source or a live engine holds the lease of one of its runs, since those runs could change
///   while they are copied. Stop them first; support actions meanwhile are not carried over either.
///
/// ```swift
/// let source = try Journal(path: "/var/lib/onboarding/journal.sqlite", options: .reading)
/// let destination = try Journal(path: "/var/lib/onboarding/copy.sqlite")
/// let report = try await JournalCopy.copy(from: source, to: destination)
/// print("copied \(report.runs.count) runs with \(report.events) events")
/// ```
///
/// `OnboardingEnginePostgres` adds the directions to and from a `PostgresJournal`.
public enum JournalCopy {
    /// Copies every run of the journal file `source` into the empty journal file `destination`.
    ///
    /// - Parameters:
    ///   - source: the journal read; open it with ``JournalOptions/reading`` so nothing can write it.
    ///   - destination: a journal with no run (a file just created is one).
    ///   - now: the time leases and heartbeats are judged live at.
    /// - Returns: what was copied.
    /// - Throws: ``JournalError`` `corrupt`, `notEmpty` or `copyMismatch`; ``EngineError`` `runLeased`;
    ///   any error reading or writing either journal. Nothing is written to `destination` then.
    public static func copy(from source: Journal, to destination: Journal, at now: Date = Date()) async throws
        -> JournalCopyReport
    {
        try await copyRuns(from: source, to: destination, at: now)
    }

    /// Copies every run of `source` into `destination`, which holds none: the work behind each
    /// public `copy`, for any two backends.
    package static func copyRuns(from source: some JournalBackend, to destination: some JournalBackend, at now: Date)
        async throws -> JournalCopyReport
    {
        if let worker = try await source.fetchLiveWorkers(now: now, window: .seconds(10)).first {
            throw EngineError(
                .runLeased,
                "A worker (\(worker.id)) serves the journal at \(source.location), so it cannot be copied: its runs could change while they are copied. Stop the worker, then copy again; nothing was written."
            )
        }
        let progress = Progress(pending: try await source.fetchRuns(state: nil).reversed().map(\.id))
        let destinationLocation = destination.location
        try await destination.importRuns(
            {
                while let id = progress.state.withLock({ $0.pending.popLast() }) {
                    var rows: RunRows
                    do {
                        rows = try await source.exportRun(id, now: now)
                    } catch let error as EngineError where error.code == .unknownRun {
                        continue  // removed since the listing (pruned): there is nothing to copy
                    } catch let error as JournalError {
                        var stopped = error
                        stopped.message += " The copy stopped; nothing was written to \(destinationLocation)."
                        throw stopped
                    }
                    // No engine holds a copied run.
                    rows.leaseOwner = nil
                    rows.leaseExpiresAt = nil
                    progress.state.withLock { $0.add(rows) }
                    return rows
                }
                return nil
            },
            verify: { copied in
                try progress.state.withLock { state in
                    guard state.digests[copied.id] == copied.digest else {
                        throw JournalError(
                            .copyMismatch,
                            "Run '\(copied.id)' read back from \(destinationLocation) differs from what was read from \(source.location) (\(copied.digest.tasks) tasks, \(copied.digest.events) events read back). Nothing was written; report this as a bug.",
                            path: destinationLocation)
                    }
                    state.verified += 1
                }
            })
        let (report, verified) = progress.state.withLock { ($0.report, $0.verified) }
        guard verified == report.runs.count else {
            throw JournalError(
                .copyMismatch,
                "Only \(verified) of the \(report.runs.count) runs copied to \(destinationLocation) were read back before the commit. Do not use the copy: remove it and copy again; report this as a bug.",
                path: destinationLocation)
        }
        // After the commit, as any reader of the destination sees it (others may add runs by now).
        let listed = Dictionary(
            try await destination.fetchRuns(state: nil).map { ($0.id, $0.taskCounts.values.reduce(0, +)) },
            uniquingKeysWith: { first, _ in first })
        let tasks = report.runs.reduce(0) { $0 + (listed[$1] ?? 0) }
        guard report.runs.allSatisfy({ listed[$0] != nil }), tasks == report.tasks else {
            throw JournalError(
                .copyMismatch,
                "The copy to \(destinationLocation) was committed but does not list every run and task copied (\(tasks) of \(report.tasks) tasks). Do not use it: remove it and copy again.",
                path: destinationLocation)
        }
        return report
    }

    /// What the copy has read and checked so far, shared by its reading and checking closures.
    private final class Progress: Sendable {
        struct State {
            /// The runs still to read, the next last.
            var pending: [RunID]
            /// The digest of each run as read from the source.
            var digests: [RunID: RunRows.Digest] = [:]
            var report = JournalCopyReport()
            /// How many runs read back from the destination matched.
            var verified = 0

            mutating func add(_ rows: RunRows) {
                digests[rows.id] = rows.digest
                report.runs.append(rows.id)
                report.tasks += rows.tasks.count
                report.events += rows.events.count
                report.messages += rows.messages.count
            }
        }

        let state: Mutex<State>

        /// `runs` oldest first.
        init(pending runs: [RunID]) { state = Mutex(State(pending: runs.reversed())) }
    }
}
