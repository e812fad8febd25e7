import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The journal's connections: a postgres-nio `PostgresClient` that is replaced by a fresh one
/// when it stops handing out connections.
///
/// postgres-nio's pool can stop opening connections after the server went away (a restart, every
/// connection terminated): requests then wait for ever although the server answers again
/// (vapor/postgres-nio#489). A request that gets no connection within ``acquireTimeout`` fails
/// as `unreachable`, and the pool it waited on is shut down and replaced, so the next request
/// connects afresh. Work that holds a connection is not timed: a connection the server closes
/// fails its query at once.
final class PostgresPool: Sendable {
    /// How long a request may wait for a connection.
    let acquireTimeout: Duration
    private let configuration: PostgresClient.Configuration
    private let logger: Logger
    private let current: Mutex<(generation: Int, client: PostgresClient, running: Task<Void, Never>)?>

    init(configuration: PostgresClient.Configuration, acquireTimeout: Duration, logger: Logger) {
        self.configuration = configuration
        self.acquireTimeout = acquireTimeout
        self.logger = logger
        self.current = Mutex(nil)
        current.withLock { $0 = Self.start(configuration, generation: 0, logger: logger) }
    }

    private static func start(_ configuration: PostgresClient.Configuration, generation: Int, logger: Logger)
        -> (generation: Int, client: PostgresClient, running: Task<Void, Never>)
    {
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        return (generation, client, Task { await client.run() })
    }

    /// Runs `body` on a pooled connection. When none comes within ``acquireTimeout``, this call
    /// throws ``Timeout`` at once and the pool is replaced; the abandoned request never runs
    /// `body`, even if a connection comes later (a late write could land after newer ones).
    /// A call that got its connection but has no answer after three times that long is given up
    /// the same way (its connection is left to the old pool's shutdown).
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        guard let (generation, client, _) = current.withLock({ $0 }) else { throw CancellationError() }
        let wait = LeaseWait()
        let operation = Task {
            try await client.withConnection { connection in
                guard wait.lease() else { throw Timeout() }
                return try await body(connection)
            }
        }
        let watchdog = Task { [acquireTimeout] in
            try? await Task.sleep(for: acquireTimeout)
            guard !Task.isCancelled else { return }
            if !wait.giveUp(evenIfLeased: false) {
                // It has a connection: a statement of the journal's takes milliseconds, so one
                // that has not answered after three times the wait is on a connection gone bad.
                try? await Task.sleep(for: acquireTimeout * 2)
                guard !Task.isCancelled, wait.giveUp(evenIfLeased: true) else { return }
            }
            operation.cancel()
            self.replace(generation)
        }
        defer { watchdog.cancel() }
        return try await withTaskCancellationHandler {
            try await wait.outcome(of: operation)
        } onCancel: {
            operation.cancel()
        }
    }

    /// One request's wait: whether it got its connection or was given up on first, and its
    /// caller, resumed by whichever comes first.
    private final class LeaseWait: Sendable {
        private let state = Mutex<(leased: Bool, gaveUp: Bool, caller: CheckedContinuation<Void, any Error>?)>((false, false, nil))

        /// Takes the connection unless the request was given up; returns whether it may run.
        func lease() -> Bool {
            state.withLock { state in
                guard !state.gaveUp else { return false }
                state.leased = true
                return true
            }
        }

        /// Gives up unless the connection came (or even then); returns whether it gave up (and
        /// fails the caller).
        func giveUp(evenIfLeased: Bool) -> Bool {
            let caller = state.withLock { state -> CheckedContinuation<Void, any Error>?? in
                guard evenIfLeased || !state.leased else { return .none }
                state.gaveUp = true
                defer { state.caller = nil }
                return .some(state.caller)
            }
            guard let caller else { return false }
            caller?.resume(throwing: Timeout())
            return true
        }

        /// The operation's result, or ``Timeout`` as soon as the request is given up.
        func outcome<T: Sendable>(of operation: Task<T, any Error>) async throws -> T {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let given = state.withLock { state -> Bool in
                    if state.gaveUp { return true }
                    state.caller = continuation
                    return false
                }
                if given { return continuation.resume(throwing: Timeout()) }
                Task {
                    _ = await operation.result
                    self.state.withLock { $0.caller.take() }?.resume()
                }
            }
            return try await operation.value
        }
    }

    /// Shuts the pool of `generation` down and starts a fresh one (once per generation).
    private func replace(_ generation: Int) {
        let old = current.withLock { slot -> Task<Void, Never>? in
            guard let live = slot, live.generation == generation else { return nil }
            slot = Self.start(configuration, generation: generation + 1, logger: logger)
            return live.running
        }
        guard let old else { return }
        logger.warning("no PostgreSQL connection came in time; the journal's pool is replaced")
        old.cancel()
    }

    /// Closes the connections; requests after this fail. Waits for the pool to shut down for at
    /// most ``acquireTimeout``: a pool wedged as described above may never finish.
    func close() async {
        let running = current.withLock { slot -> Task<Void, Never>? in
            defer { slot = nil }
            return slot?.running
        }
        guard let running else { return }
        running.cancel()
        let finished = AsyncStream<Void>.makeStream()
        Task {
            await running.value
            finished.continuation.finish()
        }
        Task { [acquireTimeout] in
            try? await Task.sleep(for: acquireTimeout)
            finished.continuation.finish()
        }
        for await _ in finished.stream {}
    }

    /// No connection came within ``acquireTimeout``.
    struct Timeout: Error {}
}
