import Synchronization

/// The engine-wide bound on tasks executing at once, shared by all runs.
///
/// Runners take permits without waiting (`tryAcquire`); a runner that got none registers a
/// wake-up and is posted `.wake` when a permit is released, so it never blocks its own loop.
final class ConcurrencyLimiter: Sendable {
    private struct State {
        var available: Int
        var waiters: [@Sendable () -> Void] = []
    }

    private let state: Mutex<State>

    init(limit: Int) { state = Mutex(State(available: max(1, limit))) }

    func tryAcquire() -> Bool {
        state.withLock { state in
            guard state.available > 0 else { return false }
            state.available -= 1
            return true
        }
    }

    func release() {
        let waiters = state.withLock { state -> [@Sendable () -> Void] in
            state.available += 1
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for wake in waiters { wake() }
    }

    /// Calls `wake` once, after the next release.
    func notifyOnRelease(_ wake: @escaping @Sendable () -> Void) {
        let now = state.withLock { state -> Bool in
            if state.available > 0 { return true }
            state.waiters.append(wake)
            return false
        }
        if now { wake() }
    }
}
