import Foundation

/// Group commit: batches of any runs that arrive together share one durable transaction.
extension Journal {
    /// Applies a runner's batch in one durable transaction (see ``apply(_:run:owner:db:)``);
    /// batches that arrive together, from any of the runs of any engine sharing this journal,
    /// share one durable commit (group commit).
    ///
    /// The first caller leads: it writes every pending batch in one transaction, each in its own
    /// savepoint so one run's lost lease does not undo another's, then hands the lead to the next
    /// waiting caller. The others wait suspended, not blocking a thread, so many runs can queue
    /// their batches while one fsync is under way.
    @discardableResult
    package func commit(_ batch: JournalBatch, run: RunID, owner: String?) async throws -> Bool {
        if commitsInline {
            defer { noteCommit() }
            if let cancelRequested = try transactionIfUncontended({ db in try Journal.apply(batch, run: run, owner: owner, db: db) }) {
                return cancelRequested
            }
        }
        let entry = GroupCommit.Entry(batch: batch, run: run, owner: owner)
        // Uncontended (a single run's chain): lead at once, without suspending.
        let leadNow = groupCommit.withLock { state -> Bool in
            guard !state.leading else { return false }
            state.leading = true
            state.pending.append((entry, nil))
            return true
        }
        if leadNow { return try await leadGroupCommit(for: entry.id) }
        let outcome: GroupCommit.Outcome = await withCheckedContinuation { continuation in
            let lead = groupCommit.withLock { state -> Bool in
                if state.leading {
                    state.pending.append((entry, continuation))
                    return false
                }
                state.leading = true
                state.pending.append((entry, nil))
                return true
            }
            if lead { continuation.resume(returning: .lead) }
        }
        switch outcome {
        case .done(let result): return try result.get()
        case .lead: return try await leadGroupCommit(for: entry.id)
        }
    }

    /// Commits everything pending as one transaction, wakes the waiters, and passes the lead on.
    private func leadGroupCommit(for id: Int) async throws -> Bool {
        let group = groupCommit.withLock { state in
            defer { state.pending.removeAll(keepingCapacity: true) }
            return state.pending
        }
        let entries = group.map(\.entry)
        var results: [Result<Bool, any Error>]
        do {
            results = try await perform { db in
                var results = [Result<Bool, any Error>](repeating: .success(false), count: entries.count)
                try db.transaction {
                    for (index, entry) in entries.enumerated() {
                        try db.run("SAVEPOINT run_batch")
                        do {
                            results[index] = .success(try Journal.apply(entry.batch, run: entry.run, owner: entry.owner, db: db))
                            try db.run("RELEASE run_batch")
                        } catch {
                            results[index] = .failure(error)
                            try db.run("ROLLBACK TO run_batch")
                            try db.run("RELEASE run_batch")
                        }
                    }
                }
                return results
            }
        } catch {
            results = Array(repeating: .failure(error), count: group.count)
        }
        var mine: Result<Bool, any Error> = .success(false)
        for (index, (entry, continuation)) in group.enumerated() {
            if entry.id == id { mine = results[index] } else { continuation?.resume(returning: .done(results[index])) }
        }
        let next = groupCommit.withLock { state -> CheckedContinuation<GroupCommit.Outcome, Never>? in
            // Waiters always come with a continuation; the lead passes to the first of them.
            guard let first = state.pending.first else {
                state.leading = false
                return nil
            }
            return first.continuation
        }
        next?.resume(returning: .lead)
        return try mine.get()
    }
}
