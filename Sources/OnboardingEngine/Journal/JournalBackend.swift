package import Foundation

/// What an engine asks of the store that journals its runs, in intents rather than SQL: the
/// seam between the engine and a journal backend (the SQLite ``Journal`` today).
///
/// Every requirement is one atomic unit of work — a transaction in a database — and is `async`
/// so a backend does its I/O off Swift's cooperative pool. The engine calls nothing else of its
/// journal, so a backend that implements these, with the semantics each one documents, carries
/// every guarantee the engine makes: a task's start durable before it runs, one durable commit
/// per task, leases, append-only events, support actions checked against the run's owner.
///
/// The protocol is the package's own (not public): its records are the engine's internal
/// vocabulary, and a backend is tested against the same conformance cases as the SQLite one.
package protocol JournalBackend: Sendable {
    /// Where the journal is, for messages: a path, or a URL without its password.
    var location: String { get }

    // MARK: Runs and the runner's commits

    /// Inserts a new run, its pending tasks and its first event, and takes its lease,
    /// atomically. Throws ``EngineError`` `runExists` when the id is taken (nothing written).
    func createRun(_ run: RunRecord, graph: [TaskDescriptor], event: PendingEvent) async throws

    /// Writes a runner's batch in one durable transaction; with `owner`, first checks that the
    /// owner still holds the run's lease (``EngineError`` `runLeased` otherwise, nothing written).
    /// Batches that arrive together may share one commit. Returns whether a cancel was requested.
    @discardableResult
    func commit(_ batch: JournalBatch, run: RunID, owner: String?) async throws -> Bool

    /// Extends `owner`'s lease on `run` to `until`; returns whether a cancel was requested.
    /// Throws `runLeased` when `owner` no longer holds it.
    func renewLease(run: RunID, owner: String, until: Date) async throws -> Bool

    /// Loads a run for resumption in one transaction: checks its lease and graph, applies
    /// accepted graph changes and the messages left for it, recovers tasks a crash left
    /// running, and takes the lease. `run == nil` when it already succeeded.
    func prepareResume(
        _ id: RunID, graph: TaskGraph, options: ResumeOptions, policy: Journal.ResumePolicy
    ) async throws -> (run: RunRecord?, records: [TaskRecord])

    // MARK: Tasks' own storage

    /// The checkpoint a task saved, if any (verified against its checksum).
    func checkpoint(run: RunID, task: TaskID) async throws -> [UInt8]?

    /// Durably saves (or, with `nil`, clears) a task's checkpoint.
    func saveCheckpoint(run: RunID, task: TaskID, _ bytes: [UInt8]?, at now: Date) async throws

    /// Appends one event to a run's timeline, changing nothing else. Throws `unknownRun`.
    func appendEvent(_ event: PendingEvent, run: RunID) async throws

    // MARK: Support actions and messages

    /// Applies a support action to a run no live engine other than `owner` holds, in one
    /// transaction: `change` gets the task records (and, with `needsGraph`, the journaled graph);
    /// the records it changes and its events are written and the run is due at once. What
    /// `change` throws is thrown, and nothing is written.
    func applySupportAction(
        _ run: RunID, owner: String, now: Date, needsGraph: Bool,
        _ change: @escaping @Sendable (inout [TaskRecord], [TaskDescriptor]) throws -> Journal.SupportChange
    ) async throws

    /// Delivers a confirmation or signal after `validate` accepts it (it returns `false` when the
    /// message is no longer needed: nothing is written): as a message to a live owner, or applied
    /// to a parked run's records, which then become due.
    func deliver(
        _ message: OwnerMessage, owner: String, executingHere: Bool,
        validate: @escaping @Sendable (RunRecord, [TaskRecord]) throws -> Bool
    ) async throws -> (SupportDelivery, OwnerMessage?)

    /// Cancels a run no live engine holds, or asks its live owner to.
    func cancelRun(_ run: RunID, actor: String, reason: String?, owner: String, now: Date) async throws -> SupportDelivery

    /// The messages waiting for every run, by run (one read for all the runs an engine executes).
    func pendingMessages() async throws -> [RunID: [OwnerMessage]]

    // MARK: The worker

    /// Claims up to `limit` due runs of `workflows` for `owner` in one statement: submitted ones,
    /// parked ones whose `wake_at` passed, and running ones whose owner's lease expired or whose
    /// process is gone.
    func claimDue(owner: String, leaseUntil: Date, now: Date, workflows: [String], limit: Int) async throws -> [RunID]

    /// When the earliest run of `workflows` not held by `owner` next needs attention.
    func nextWake(workflows: [String], excluding owner: String) async throws -> Date?

    /// Gives a claimed run back without executing it, due again at `wakeAt`, with `event`.
    func releaseClaim(run: RunID, owner: String, wakeAt: Date?, event: PendingEvent?) async throws

    /// Records that worker `id` is alive.
    func heartbeat(worker id: String, startedAt: Date, now: Date) async throws

    /// Removes worker `id`'s heartbeat row (it stopped).
    func removeWorker(_ id: String) async throws

    // MARK: Reads

    /// Runs, newest first, optionally only those in `state`, with their task counts.
    func fetchRuns(state: RunState?) async throws -> [RunSummary]

    /// One page of the runs matching `filter`, newest first (by creation, then id), skipping
    /// `offset` and returning at most `limit`, with the total that match and the counts per state of
    /// those matching the filter apart from its states. One read, served by indexes
    /// (`runs_listing`, `tasks_attention`) so that it stays fast with tens of thousands of runs;
    /// `now` (or the database's clock) decides which leases have expired.
    func fetchRunPage(_ filter: RunFilter, limit: Int, offset: Int, now: Date) async throws -> RunPage

    /// Per workflow, task and state: how many unfinished runs (running, waiting, blocked, failed)
    /// have that task failed, waiting or blocked, and the oldest such task's last change; with the
    /// workflow's number of runs. One read. Sorted by workflow, task, state.
    func fetchFleet() async throws -> [FleetEntry]

    /// A run's events after `sequence`, oldest first. Throws `unknownRun`.
    func fetchEvents(of id: RunID, after sequence: Int64) async throws -> [JournalEvent]

    /// A run's graph as journaled when it began (or when a change was last accepted).
    func fetchGraph(of id: RunID) async throws -> [TaskDescriptor]

    /// The workers whose heartbeat is more recent than `window` before `now`.
    func fetchLiveWorkers(now: Date, window: Duration) async throws -> [WorkerRecord]

    /// A run's record. Throws `unknownRun`.
    func fetchRun(_ id: RunID) async throws -> RunRecord

    /// A run's task records, in graph order. Throws `unknownRun`.
    func fetchTasks(of id: RunID) async throws -> [TaskRecord]

    /// A run's state, with its task records once it has ended.
    func fetchStateAndTasksIfEnded(of run: RunID) async throws -> (RunState, [TaskRecord])

    /// A run's events after `sequence`, with its state, read together.
    func fetchEventsAndState(of run: RunID, after sequence: Int64) async throws -> ([JournalEvent], RunState)

    // MARK: Copying a journal (``JournalCopy``)

    /// Every stored row of run `id` (its run row, tasks with checkpoints, events, waiting messages),
    /// read in one snapshot without writing anything, each stored graph, input, output and
    /// checkpoint checked against its checksum.
    ///
    /// - Throws: ``EngineError`` `unknownRun`; ``JournalError`` `corrupt` naming the run and the value
    ///   that fails its checksum (or a state this version does not know); ``EngineError`` `runLeased`
    ///   while an engine holds the run's lease and is alive (by the database's clock, or `now` and the
    ///   process table for a file).
    func exportRun(_ id: RunID, now: Date) async throws -> RunRows

    /// Writes runs copied from another journal into this one, which must hold no run, in one
    /// transaction: `next` gives the runs one at a time (`nil` after the last); once all are
    /// written, each is read back from this journal (checked against its checksums) and given to
    /// `verify`, then the transaction commits. The rows are written as given, with the checksums of
    /// their bytes; message sequence numbers are kept, and later messages numbered after them.
    ///
    /// - Throws: ``JournalError`` `notEmpty` when the journal holds a run; whatever `next` or `verify`
    ///   throws. Whatever is thrown, nothing was written.
    func importRuns(
        _ next: @escaping @Sendable () async throws -> RunRows?,
        verify: @escaping @Sendable (RunRows) throws -> Void
    ) async throws
}
