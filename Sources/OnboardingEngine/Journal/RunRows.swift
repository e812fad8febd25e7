/// Every stored row of one run, as a backend reads it for a copy to another journal
/// (``JournalCopy``): the run's row, its tasks (with checkpoints), its events and the messages
/// waiting for it, with the values as they are stored — JSON as its text, times as the stored
/// Unix seconds — so the copy is the same bytes, not a re-encoding.
///
/// A backend checks every stored graph, input, output and checkpoint against its CRC-32C while it
/// reads them (a mismatch is a ``JournalError`` `corrupt` naming the run), and writes the same
/// checksums beside them; the checksums themselves are not carried: they are the bytes' CRC-32C.
package struct RunRows: Sendable, Hashable {
    /// One row of `tasks`.
    package struct Task: Sendable, Hashable {
        package var id: TaskID
        /// Its place in the graph's topological order.
        package var position: Int
        package var state: TaskState
        package var attempts: Int
        package var crashes: Int
        package var output: [UInt8]?
        /// ``TaskErrorInfo``, ``ParkReason``, ``Confirmation`` and ``Observation`` as stored JSON.
        package var error: String?
        package var park: String?
        package var confirmation: String?
        package var observation: String?
        package var checkpoint: [UInt8]?
        package var nextAttemptAt: Double?
        package var updatedAt: Double

        package init(
            id: TaskID, position: Int, state: TaskState, attempts: Int, crashes: Int, output: [UInt8]?, error: String?,
            park: String?, confirmation: String?, observation: String?, checkpoint: [UInt8]?, nextAttemptAt: Double?,
            updatedAt: Double
        ) {
            self.id = id
            self.position = position
            self.state = state
            self.attempts = attempts
            self.crashes = crashes
            self.output = output
            self.error = error
            self.park = park
            self.confirmation = confirmation
            self.observation = observation
            self.checkpoint = checkpoint
            self.nextAttemptAt = nextAttemptAt
            self.updatedAt = updatedAt
        }
    }

    /// One row of `events`: the timeline keeps its sequence numbers.
    package struct Event: Sendable, Hashable {
        package var sequence: Int64
        package var taskID: TaskID?
        package var at: Double
        package var actor: String
        package var action: String
        package var reason: String?
        package var attempt: Int?

        package init(
            sequence: Int64, taskID: TaskID?, at: Double, actor: String, action: String, reason: String?, attempt: Int?
        ) {
            self.sequence = sequence
            self.taskID = taskID
            self.at = at
            self.actor = actor
            self.action = action
            self.reason = reason
            self.attempt = attempt
        }
    }

    /// One row of `run_messages`: a confirmation, signal or cancel not yet applied.
    package struct Message: Sendable, Hashable {
        /// Its place among every run's messages (they are applied in this order).
        package var sequence: Int64
        package var kind: String
        package var taskID: TaskID?
        package var actor: String
        package var note: String?
        package var at: Double

        package init(sequence: Int64, kind: String, taskID: TaskID?, actor: String, note: String?, at: Double) {
            self.sequence = sequence
            self.kind = kind
            self.taskID = taskID
            self.actor = actor
            self.note = note
            self.at = at
        }
    }

    package var id: RunID
    package var workflow: String
    package var fingerprint: String
    /// The journaled graph's JSON.
    package var graph: String
    package var input: [UInt8]
    /// ``RunOptions`` as stored JSON.
    package var options: String
    package var state: RunState
    package var dryRun: Bool
    package var createdAt: Double
    package var updatedAt: Double
    package var leaseOwner: String?
    package var leaseExpiresAt: Double?
    package var cancelRequested: Bool
    package var wakeAt: Double?
    /// In graph order.
    package var tasks: [Task]
    /// Oldest first.
    package var events: [Event]
    /// Oldest first.
    package var messages: [Message]

    package init(
        id: RunID, workflow: String, fingerprint: String, graph: String, input: [UInt8], options: String,
        state: RunState, dryRun: Bool, createdAt: Double, updatedAt: Double, leaseOwner: String?,
        leaseExpiresAt: Double?, cancelRequested: Bool, wakeAt: Double?, tasks: [Task] = [], events: [Event] = [],
        messages: [Message] = []
    ) {
        self.id = id
        self.workflow = workflow
        self.fingerprint = fingerprint
        self.graph = graph
        self.input = input
        self.options = options
        self.state = state
        self.dryRun = dryRun
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.leaseOwner = leaseOwner
        self.leaseExpiresAt = leaseExpiresAt
        self.cancelRequested = cancelRequested
        self.wakeAt = wakeAt
        self.tasks = tasks
        self.events = events
        self.messages = messages
    }
}
