import Foundation
import OnboardingEngine

/// `onboard show RUN --json`: a run's state, lease, tasks, last error, the steps a person must
/// take, and its timeline (schema in `Docs/SupportTool.md`).
struct RunDetail: Codable, Equatable, Sendable {
    /// Which engine holds the run.
    struct Lease: Codable, Equatable, Sendable {
        /// `host:pid:random`.
        var owner: String
        var expiresAt: Date
        /// Whether the lease had expired when `show` ran.
        var expired: Bool
    }

    /// A task's last error.
    struct TaskError: Codable, Equatable, Sendable {
        var message: String
        var code: String?
        var retryable: Bool
    }

    /// Why a task is parked.
    struct Park: Codable, Equatable, Sendable {
        /// `person`, `condition`, `permissions`, `changeWindow`.
        var kind: String
        var message: String
        var missingPermissions: [String]
    }

    /// A person's confirmation of a waiting task.
    struct Confirmation: Codable, Equatable, Sendable {
        var actor: String
        var at: Date
        var note: String?
    }

    /// One task's state.
    struct TaskEntry: Codable, Equatable, Sendable {
        var id: String
        /// `pending`, `running`, `succeeded`, `failed`, `skipped`, `waiting`, `blocked`, `observed`.
        var state: String
        var attempts: Int
        var crashes: Int
        var lastError: TaskError?
        var park: Park?
        var confirmation: Confirmation?
        var nextAttemptAt: Date?
        var updatedAt: Date
    }

    /// The most recent error of a task that has not succeeded.
    struct LastError: Codable, Equatable, Sendable {
        var task: String
        var message: String
        var code: String?
        var retryable: Bool
        var at: Date
    }

    /// One timeline entry.
    struct Event: Codable, Equatable, Sendable {
        var sequence: Int64
        var at: Date
        /// `engine` or the person who acted.
        var actor: String
        /// e.g. `task.started`, `task.skipped` (see `Docs/JournalFormat.md`).
        var action: String
        var task: String?
        var reason: String?
        var attempt: Int?
    }

    var schemaVersion = 1
    var id: String
    var workflow: String
    var state: String
    var createdAt: Date
    var updatedAt: Date
    var cancelRequested: Bool
    /// Marked running, but no live engine holds its lease: the process stopped; resume it.
    var stalled: Bool
    /// Stalled because it was handed to a worker (submitted with `start --no-wait`, or given back
    /// by a worker that shut down), not because a process died: `onboard serve` drives it.
    var queued: Bool
    /// When a worker next looks at the parked run (its durable timer), if it is scheduled.
    var wakeAt: Date?
    /// The worker (`onboard serve`) serving the journal now, if any: it continues the run by itself.
    var servedBy: String?
    var lease: Lease?
    var tasks: [TaskEntry]
    var lastError: LastError?
    var nextSteps: [NextStep]
    var timeline: [Event]

    /// The detail of `run` as read at `now`.
    ///
    /// - Parameter shared: the journal is shared by hosts (PostgreSQL): there the engine knows an
    ///   owner is gone only by its lease expiring, even for a process of this host that no longer
    ///   exists, so such a run is not called stalled (resume is refused until the lease expires).
    init(
        run: RunRecord, tasks records: [TaskRecord], events: [JournalEvent], now: Date = Date(), shared: Bool = false
    ) {
        id = run.id.rawValue
        workflow = run.workflow
        state = run.state.rawValue
        createdAt = run.createdAt
        updatedAt = run.updatedAt
        cancelRequested = run.cancelRequested
        let leaseLive = run.leaseOwner != nil && (run.leaseExpiresAt.map { $0 > now } ?? false)
        stalled = shared ? run.state == .running && !leaseLive : run.isStalled(at: now)
        let lastRunEvent = events.last { $0.taskID == nil && $0.action.hasPrefix("run.") }?.action
        queued = stalled && run.leaseOwner == nil && ["run.submitted", "run.released"].contains(lastRunEvent ?? "")
        wakeAt = run.wakeAt.map { max($0, run.updatedAt) }
        lease = run.leaseOwner.flatMap { owner in
            run.leaseExpiresAt.map { Lease(owner: owner, expiresAt: $0, expired: $0 <= now) }
        }
        tasks = records.map { task in
            TaskEntry(
                id: task.id.rawValue, state: task.state.rawValue, attempts: task.attempts,
                crashes: task.consecutiveCrashes,
                lastError: task.lastError.map {
                    TaskError(message: $0.message, code: $0.code, retryable: $0.retryable)
                },
                park: task.park.map {
                    Park(
                        kind: $0.kind.rawValue, message: $0.message,
                        missingPermissions: $0.missingPermissions.map(\.name))
                },
                confirmation: task.confirmation.map { Confirmation(actor: $0.actor, at: $0.at, note: $0.note) },
                nextAttemptAt: task.nextAttemptAt, updatedAt: task.updatedAt)
        }
        lastError =
            records
            .filter { $0.lastError != nil && $0.state != .succeeded && $0.state != .skipped }
            .max { $0.updatedAt < $1.updatedAt }
            .flatMap { task in
                task.lastError.map {
                    LastError(
                        task: task.id.rawValue, message: $0.message, code: $0.code, retryable: $0.retryable,
                        at: task.updatedAt)
                }
            }
        nextSteps = NextStep.steps(for: run, tasks: records, now: now, queued: queued, stalled: stalled)
        timeline = events.map {
            Event(
                sequence: $0.sequence, at: $0.at, actor: $0.actor, action: $0.action, task: $0.taskID?.rawValue,
                reason: $0.reason, attempt: $0.attempt)
        }
    }
}
