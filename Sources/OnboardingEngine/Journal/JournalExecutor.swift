import Dispatch

/// The journal's own thread of work: the SQLite calls an engine makes while it runs runs (each
/// task's commit and its fsync, starting and resuming runs, lease renewals, checkpoints) happen
/// here, one at a time in the order they were asked for, not on Swift's cooperative pool. A slow
/// disk then holds up the callers waiting for the journal, not every task of every run.
final class JournalExecutor: Sendable {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label, qos: .userInitiated)
    }

    /// Runs `body` on the journal's queue and returns its result. Work is started in the order
    /// of the calls (FIFO), so two saves made one after the other land in that order.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
