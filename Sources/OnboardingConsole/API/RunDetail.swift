import Foundation
import OnboardingEngine

/// A run's state, lease, tasks, last error, the steps a person must take, and its timeline: the
/// console's `GET /api/runs/{id}` and `onboard show RUN --json` (schema in `Docs/SupportTool.md`
/// and `Docs/SupportConsole.md`).
public struct RunDetail: Codable, Equatable, Sendable {
    /// Which engine holds the run.
    public struct Lease: Codable, Equatable, Sendable {
        /// `host:pid:random`.
        public var owner: String
        /// When the lease ends unless renewed.
        public var expiresAt: Date
        /// Whether the lease had expired when `show` ran.
        public var expired: Bool
    }

    /// A task's last error.
    public struct TaskError: Codable, Equatable, Sendable {
        /// The error or park reason in words.
        public var message: String
        /// The task's machine-readable code, if any.
        public var code: String?
        /// Whether the engine retries it by itself.
        public var retryable: Bool
    }

    /// Why a task is parked.
    public struct Park: Codable, Equatable, Sendable {
        /// `person`, `condition`, `permissions`, `changeWindow`.
        public var kind: String
        /// The error or park reason in words.
        public var message: String
        /// The permissions a blocked task lacks.
        public var missingPermissions: [String]
    }

    /// A person's confirmation of a waiting task.
    public struct Confirmation: Codable, Equatable, Sendable {
        /// Who confirmed.
        public var actor: String
        /// When.
        public var at: Date
        /// What the person said.
        public var note: String?
    }

    /// One task's state.
    public struct TaskEntry: Codable, Equatable, Sendable {
        /// The id.
        public var id: String
        /// `pending`, `running`, `succeeded`, `failed`, `skipped`, `waiting`, `blocked`, `observed`.
        public var state: String
        /// Attempts since it last succeeded, parked or was retried.
        public var attempts: Int
        /// Times in a row its process stopped while it ran.
        public var crashes: Int
        /// Its last error, if any.
        public var lastError: TaskError?
        /// Why it is parked, if it is.
        public var park: Park?
        /// A person's confirmation, if given.
        public var confirmation: Confirmation?
        /// When its next attempt or re-check is due.
        public var nextAttemptAt: Date?
        /// When it last changed.
        public var updatedAt: Date
    }

    /// The most recent error of a task that has not succeeded.
    public struct LastError: Codable, Equatable, Sendable {
        /// The task.
        public var task: String
        /// The error or park reason in words.
        public var message: String
        /// The task's machine-readable code, if any.
        public var code: String?
        /// Whether the engine retries it by itself.
        public var retryable: Bool
        /// When.
        public var at: Date
    }

    /// One timeline entry.
    public struct Event: Codable, Equatable, Sendable {
        /// Its place in the timeline: 1, 2, 3, …
        public var sequence: Int64
        /// When.
        public var at: Date
        /// `engine` or the person who acted.
        public var actor: String
        /// e.g. `task.started`, `task.skipped` (see `Docs/JournalFormat.md`).
        public var action: String
        /// The task, for task events.
        public var task: String?
        /// Why, or the detail.
        public var reason: String?
        /// The attempt, for task events.
        public var attempt: Int?
    }

    /// Bumped only for incompatible changes; new fields may be added within a version.
    public var schemaVersion = 1
    /// The id.
    public var id: String
    /// The workflow.
    public var workflow: String
    /// The state.
    public var state: String
    /// When the run was created.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date
    /// A person cancelled it while another process ran it.
    public var cancelRequested: Bool
    /// Marked running, but no live engine holds its lease: the process stopped; resume it.
    public var stalled: Bool
    /// Stalled because it was handed to a worker (submitted with `start --no-wait`, or given back
    /// by a worker that shut down), not because a process died: `onboard serve` drives it.
    public var queued: Bool
    /// When a worker next looks at the parked run (its durable timer), if it is scheduled.
    public var wakeAt: Date?
    /// The worker (`onboard serve`) serving the journal now, if any: it continues the run by itself.
    public var servedBy: String?
    /// The engine that holds the run, if any.
    public var lease: Lease?
    /// Every task, in the graph's order.
    public var tasks: [TaskEntry]
    /// The most recent error of a task that has neither succeeded nor been skipped.
    public var lastError: LastError?
    /// What a person must do for the run to continue.
    public var nextSteps: [NextStep]
    /// The host's labels for the run (e.g. its tenant and organization); absent when it has none.
    public var labels: [String: String]?
    /// The event log, oldest first.
    public var timeline: [Event]

    /// The detail of `run` as read at `now`.
    ///
    /// - Parameters:
    ///   - shared: the journal is shared by hosts (PostgreSQL): there the engine knows an
    ///     owner is gone only by its lease expiring, even for a process of this host that no longer
    ///     exists, so such a run is not called stalled (resume is refused until the lease expires).
    ///   - labels: the host's labels for the run (``ConsoleHost/labels(workflow:input:)``).
    ///   - commandLine: writes the next steps' command lines (``ConsoleHost/commandLine(for:)``).
    public init(
        run: RunRecord, tasks records: [TaskRecord], events: [JournalEvent], now: Date = Date(), shared: Bool = false,
        labels: [String: String] = [:], commandLine: (SupportCommand) -> String? = { _ in nil }
    ) {
        self.labels = labels.isEmpty ? nil : labels
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
        nextSteps = NextStep.steps(
            for: run, tasks: records, now: now, queued: queued, stalled: stalled, commandLine: commandLine)
        timeline = events.map {
            Event(
                sequence: $0.sequence, at: $0.at, actor: $0.actor, action: $0.action, task: $0.taskID?.rawValue,
                reason: $0.reason, attempt: $0.attempt)
        }
    }
}
