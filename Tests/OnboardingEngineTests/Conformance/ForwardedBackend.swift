import Foundation
import OnboardingEngine

/// The SQLite journal seen only through ``JournalBackend``, each intent after a hop to another
/// task: an engine over it works only if it relies on nothing but the protocol (not the concrete
/// class, not the calling thread). It also counts the intents it forwarded.
struct ForwardedBackend: JournalBackend {
    let journal: Journal
    let calls = Counter()
    /// While on, every intent fails as a journal that cannot be reached does (`unreachable`).
    let outage = Flag()

    private func hop() async { await Task.detached { await Task.yield() }.value }
    private func note(_ name: String) async throws {
        calls.record(name)
        if outage.isSet {
            throw JournalError(.unreachable, "The journal cannot be reached (an outage the test made).", path: location)
        }
        await hop()
    }

    var location: String { "forwarded:\(journal.path)" }

    func createRun(_ run: RunRecord, graph: [TaskDescriptor], event: PendingEvent) async throws {
        try await note("createRun")
        try await journal.createRun(run, graph: graph, event: event)
    }

    func commit(_ batch: JournalBatch, run: RunID, owner: String?) async throws -> Bool {
        try await note("commit")
        return try await journal.commit(batch, run: run, owner: owner)
    }

    func renewLease(run: RunID, owner: String, until: Date) async throws -> Bool {
        try await note("renewLease")
        return try await journal.renewLease(run: run, owner: owner, until: until)
    }

    func prepareResume(
        _ id: RunID, graph: TaskGraph, options: ResumeOptions, policy: Journal.ResumePolicy
    ) async throws -> (run: RunRecord?, records: [TaskRecord]) {
        try await note("prepareResume")
        return try await journal.prepareResume(id, graph: graph, options: options, policy: policy)
    }

    func checkpoint(run: RunID, task: TaskID) async throws -> [UInt8]? {
        try await note("checkpoint")
        return try await journal.checkpoint(run: run, task: task)
    }

    func saveCheckpoint(run: RunID, task: TaskID, _ bytes: [UInt8]?, at now: Date) async throws {
        try await note("saveCheckpoint")
        try await journal.saveCheckpoint(run: run, task: task, bytes, at: now)
    }

    func appendEvent(_ event: PendingEvent, run: RunID) async throws {
        try await note("appendEvent")
        try await journal.appendEvent(event, run: run)
    }

    func applySupportAction(
        _ run: RunID, owner: String, now: Date, needsGraph: Bool,
        _ change: @escaping @Sendable (inout [TaskRecord], [TaskDescriptor]) throws -> Journal.SupportChange
    ) async throws {
        try await note("applySupportAction")
        try await journal.applySupportAction(run, owner: owner, now: now, needsGraph: needsGraph, change)
    }

    func deliver(
        _ message: OwnerMessage, owner: String, executingHere: Bool,
        validate: @escaping @Sendable (RunRecord, [TaskRecord]) throws -> Bool
    ) async throws -> (SupportDelivery, OwnerMessage?) {
        try await note("deliver")
        return try await journal.deliver(message, owner: owner, executingHere: executingHere, validate: validate)
    }

    func cancelRun(_ run: RunID, actor: String, reason: String?, owner: String, now: Date) async throws -> SupportDelivery {
        try await note("cancelRun")
        return try await journal.cancelRun(run, actor: actor, reason: reason, owner: owner, now: now)
    }

    func pendingMessages() async throws -> [RunID: [OwnerMessage]] {
        try await note("pendingMessages")
        return try await journal.pendingMessages()
    }

    func claimDue(owner: String, leaseUntil: Date, now: Date, workflows: [String], limit: Int) async throws -> [RunID] {
        try await note("claimDue")
        return try await journal.claimDue(owner: owner, leaseUntil: leaseUntil, now: now, workflows: workflows, limit: limit)
    }

    func nextWake(workflows: [String], excluding owner: String) async throws -> Date? {
        try await note("nextWake")
        return try await journal.nextWake(workflows: workflows, excluding: owner)
    }

    func releaseClaim(run: RunID, owner: String, wakeAt: Date?, event: PendingEvent?) async throws {
        try await note("releaseClaim")
        try await journal.releaseClaim(run: run, owner: owner, wakeAt: wakeAt, event: event)
    }

    func heartbeat(worker id: String, startedAt: Date, now: Date) async throws {
        try await note("heartbeat")
        try await journal.heartbeat(worker: id, startedAt: startedAt, now: now)
    }

    func removeWorker(_ id: String) async throws {
        try await note("removeWorker")
        try await journal.removeWorker(id)
    }

    func fetchRuns(state: RunState?) async throws -> [RunSummary] {
        try await note("fetchRuns")
        return try await journal.fetchRuns(state: state)
    }

    func fetchRunPage(_ filter: RunFilter, limit: Int, offset: Int, now: Date) async throws -> RunPage {
        try await note("fetchRunPage")
        return try await journal.fetchRunPage(filter, limit: limit, offset: offset, now: now)
    }

    func fetchFleet() async throws -> [FleetEntry] {
        try await note("fetchFleet")
        return try await journal.fetchFleet()
    }

    func fetchEvents(of id: RunID, after sequence: Int64) async throws -> [JournalEvent] {
        try await note("fetchEvents")
        return try await journal.fetchEvents(of: id, after: sequence)
    }

    func fetchGraph(of id: RunID) async throws -> [TaskDescriptor] {
        try await note("fetchGraph")
        return try await journal.fetchGraph(of: id)
    }

    func fetchLiveWorkers(now: Date, window: Duration) async throws -> [WorkerRecord] {
        try await note("fetchLiveWorkers")
        return try await journal.fetchLiveWorkers(now: now, window: window)
    }

    func fetchRun(_ id: RunID) async throws -> RunRecord {
        try await note("fetchRun")
        return try await journal.fetchRun(id)
    }

    func fetchTasks(of id: RunID) async throws -> [TaskRecord] {
        try await note("fetchTasks")
        return try await journal.fetchTasks(of: id)
    }

    func fetchStateAndTasksIfEnded(of run: RunID) async throws -> (RunState, [TaskRecord]) {
        try await note("fetchStateAndTasksIfEnded")
        return try await journal.fetchStateAndTasksIfEnded(of: run)
    }

    func fetchEventsAndState(of run: RunID, after sequence: Int64) async throws -> ([JournalEvent], RunState) {
        try await note("fetchEventsAndState")
        return try await journal.fetchEventsAndState(of: run, after: sequence)
    }

    func exportRun(_ id: RunID, now: Date) async throws -> RunRows {
        try await note("exportRun")
        return try await journal.exportRun(id, now: now)
    }

    func importRuns(
        _ next: @escaping @Sendable () async throws -> RunRows?, verify: @escaping @Sendable (RunRows) throws -> Void
    ) async throws {
        try await note("importRuns")
        try await journal.importRuns(next, verify: verify)
    }
}

