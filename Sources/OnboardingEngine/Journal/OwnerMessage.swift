public import Foundation

/// A person's confirmation, signal or cancel for a run that an engine in another process holds.
///
/// The sender writes it to the journal (`run_messages`); the owner's engine reads the table once
/// per ``EngineConfiguration/messagePollInterval`` for all its runs and deletes each message in
/// the commit that records its effect. An owner that parks or stops before reading it leaves it for the next resume, which
/// applies it first (and the run is due at once, so a worker resumes it).
package struct OwnerMessage: Sendable, Hashable {
    package enum Kind: String, Sendable {
        /// The task's action was done (a person's), or its condition should hold now.
        case confirm
        /// Re-check the task's condition (or every waiting condition) now.
        case signal
        /// Stop the run.
        case cancel
    }

    package var sequence: Int64
    package var run: RunID
    package var kind: Kind
    package var task: TaskID?
    package var actor: String
    package var note: String?
    package var at: Date

    package init(sequence: Int64, run: RunID, kind: Kind, task: TaskID?, actor: String, note: String?, at: Date) {
        self.sequence = sequence
        self.run = run
        self.kind = kind
        self.task = task
        self.actor = actor
        self.note = note
        self.at = at
    }

    /// Applies the message to a parked run's records on resume, returning the event to journal.
    ///
    /// Conditions are re-checked on every resume anyway, so only a confirmation changes a record.
    package func apply(to records: inout [TaskRecord]) -> PendingEvent? {
        switch kind {
        case .cancel:
            return nil  // `cancel_requested` carries it
        case .signal:
            return PendingEvent(taskID: task, at: at, actor: actor, action: "task.signalled", reason: note)
        case .confirm:
            // A task left `running` by an engine that stopped is attempted again on resume.
            guard let index = records.firstIndex(where: { $0.id == task }),
                records[index].state == .waiting || records[index].state == .running
            else {
                return PendingEvent(
                    taskID: task, at: at, actor: actor, action: "message.ignored",
                    reason: "a confirmation arrived after the task stopped waiting")
            }
            // A task waiting for a person continues with it; one a stopped engine left running is
            // attempted again on resume, and gets it then (the person confirmed while it ran).
            if records[index].park?.kind == .person || records[index].state == .running {
                records[index].confirmation = Confirmation(actor: actor, at: at, note: note)
            }
            return PendingEvent(taskID: task, at: at, actor: actor, action: "task.confirmed", reason: note)
        }
    }
}

/// A worker that serves a journal, as its heartbeat row records it.
public struct WorkerRecord: Sendable, Hashable {
    /// The worker's engine owner id (`host:pid:random`).
    public var id: String
    /// When it started.
    public var startedAt: Date
    /// When it last said it was alive.
    public var heartbeatAt: Date

    package init(id: String, startedAt: Date, heartbeatAt: Date) {
        self.id = id
        self.startedAt = startedAt
        self.heartbeatAt = heartbeatAt
    }
}

/// How a support action reached its run.
public enum SupportDelivery: Sendable, Hashable {
    /// Written to the journal: it takes effect when the run is next resumed, by a person or by
    /// a worker (the run is due at once).
    case recorded
    /// Handed to the execution of the run in this engine, which acts on it at once.
    case delivered
    /// Sent to the engine in another process that runs it (named); it acts on it within
    /// ``EngineConfiguration/messagePollInterval``.
    case sent(owner: String)
    /// Nothing was written: the task no longer waits, it already succeeded or was skipped (the
    /// run saw the condition hold, or someone confirmed or skipped it first). A confirmation is
    /// idempotent: confirming what is done is not an error.
    case alreadyDone
}
