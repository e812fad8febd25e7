import Synchronization

/// What a run's supervisor receives.
enum ControlMessage: Sendable {
    /// Time to renew the lease (and look for a cancel request in the journal).
    case renewLease
    /// Time to look in the journal for messages from other processes and a cancel request.
    case pollMessages
    /// A person cancelled the run through this engine.
    case cancel(actor: String, reason: String?)
    /// The runner ended, with its result or error.
    case runnerEnded(Result<RunResult, any Error>)
}

/// Why the supervisor stopped the runner.
enum StopReason: Sendable {
    /// Cancelled by a person: the run ends as cancelled.
    case cancelled(actor: String, reason: String?)
    /// Another engine took the lease: stop writing at once.
    case leaseLost(EngineError)
}

/// The link between a run's supervisor, its runner, and `Engine.cancel`.
///
/// The supervisor is the parent of the runner and of a ticker; it renews the lease and, to
/// stop the run, records a ``StopReason`` and cancels its children. The runner reads the reason
/// when it notices cancellation; no reason means the host cancelled the call.
final class RunControl: Sendable {
    let mailbox = Mailbox<ControlMessage>()
    /// The runner's own mailbox: attempt outcomes, timers, and messages for the run (a
    /// confirmation, a signal, a drain) that reach it while it runs.
    let runner = Mailbox<RunMessage>()
    private let reason = Mutex<StopReason?>(nil)

    /// Records the first reason to stop; later ones are ignored.
    func stop(_ reason: StopReason) {
        self.reason.withLock { if $0 == nil { $0 = reason } }
    }

    var stopReason: StopReason? { reason.withLock { $0 } }
}
