package import Foundation

/// The parts of preparing a resume that are the same on every journal backend: what a resume
/// refuses, how the journaled records meet the graph, and what becomes of tasks a crash left
/// running. Each backend does them inside its own resume transaction.
package enum ResumeRules {
    /// Refuses a cancelled run.
    package static func refuseCancelled(_ run: RunRecord) throws {
        guard run.state == .cancelled else { return }
        throw EngineError(
            .invalidState, "Run '\(run.id)' was cancelled and cannot be resumed; start a new run instead.", runID: run.id)
    }

    /// Refuses a change of graph the resume did not accept (a readable diff in the error).
    package static func refuseUnaccepted(_ diff: GraphDiff, run: RunID, options: ResumeOptions) throws {
        guard !options.acceptGraphChanges else { return }
        throw EngineError(
            .graphChanged,
            "The graph changed since run '\(run)' began; resume with the change accepted to apply it:\n\(diff)",
            runID: run, taskIDs: diff.added + diff.removed + diff.changed.map(\.id), graphDiff: diff)
    }

    /// The event that records an accepted change of graph.
    package static func graphChangedEvent(_ diff: GraphDiff, options: ResumeOptions, at now: Date) -> PendingEvent {
        PendingEvent(at: now, actor: options.actor, action: "run.graph-changed", reason: diff.description)
    }

    /// The run's records in `graph`'s order: the journaled ones, and pending ones for tasks the
    /// journal does not have yet.
    package static func records(_ loaded: [TaskRecord], in graph: TaskGraph, at now: Date) -> [TaskRecord] {
        var byID = Dictionary(uniqueKeysWithValues: loaded.map { ($0.id, $0) })
        return graph.tasks.map { byID.removeValue(forKey: $0.id) ?? TaskRecord(id: $0.id, at: now) }
    }

    /// Whether the run already succeeded with nothing left to do (the resume is a no-op).
    package static func alreadyDone(_ run: RunRecord, _ records: [TaskRecord], events: [PendingEvent]) -> Bool {
        run.state == .succeeded && records.allSatisfy(\.state.releasesDependents) && events.isEmpty
    }

    /// The event for a run whose cancel was requested while it ran: the backend marks it
    /// cancelled, journals this and returns the run (state `cancelled`) from the resume, which the
    /// engine then refuses with ``cancelledWhileRunningError(_:)``.
    package static func cancelledWhileRunning(actor: String, at now: Date) -> PendingEvent {
        PendingEvent(at: now, actor: actor, action: "run.cancelled", reason: "a cancel was requested while it ran")
    }

    /// Why a resume of a run cancelled while it ran is refused.
    package static func cancelledWhileRunningError(_ run: RunID) -> EngineError {
        EngineError(.invalidState, "Run '\(run)' was cancelled and cannot be resumed.", runID: run)
    }

    /// Tasks found running were interrupted by a crash, kill or power loss: each becomes pending
    /// again, or failed (code `crashLoop`) after `maxConsecutiveCrashes` in a row.
    ///
    /// - Returns: the events to journal.
    private static func recoverInterrupted(
        _ records: inout [TaskRecord], at now: Date, actor: String, maxConsecutiveCrashes: Int
    ) -> [PendingEvent] {
        var events: [PendingEvent] = []
        for index in records.indices where records[index].state == .running {
            records[index].consecutiveCrashes += 1
            records[index].updatedAt = now
            let crashes = records[index].consecutiveCrashes
            if crashes >= maxConsecutiveCrashes {
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
        }
        return events
    }

    /// Applies the messages left for the run (a confirmation sent to an owner that stopped before
    /// it read them), then recovers the tasks a crash left running.
    ///
    /// - Returns: the events to journal and the indices of every record changed. The backend
    ///   writes all of them in the resume's transaction, the one that deletes the messages' rows:
    ///   a confirmation lives in its task's row from then on, so a process that dies before its
    ///   runner's first commit cannot lose it.
    package static func applyLeftMessages(
        _ messages: [OwnerMessage], to records: inout [TaskRecord], at now: Date, actor: String, maxConsecutiveCrashes: Int
    ) -> (events: [PendingEvent], changed: [Int]) {
        // Only a message's task or a task left running can change: compared before and after,
        // not the whole run (a resume of 10,000 tasks).
        let candidates = records.indices.filter { index in
            records[index].state == .running || messages.contains { $0.task == records[index].id }
        }
        let before = candidates.map { records[$0] }
        var events: [PendingEvent] = []
        for message in messages {
            if let event = message.apply(to: &records) { events.append(event) }
        }
        events += recoverInterrupted(&records, at: now, actor: actor, maxConsecutiveCrashes: maxConsecutiveCrashes)
        return (events, zip(candidates, before).filter { records[$0.0] != $0.1 }.map(\.0))
    }

    /// The event that opens the resumed execution.
    package static func resumedEvent(options: ResumeOptions, at now: Date) -> PendingEvent {
        PendingEvent(at: now, actor: options.actor, action: "run.resumed", reason: options.reason)
    }
}
