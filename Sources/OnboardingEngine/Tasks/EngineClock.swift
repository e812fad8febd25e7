public import Foundation

/// The engine's source of time: wall-clock instants for the journal and change windows, and
/// sleeping until an instant for backoff, re-checks and lease renewal.
///
/// Engine code never reads the system time or sleeps directly, so tests drive a manual clock
/// (`OnboardingEngineTesting.ManualClock`) instead of waiting.
public protocol EngineClock: Sendable {
    /// The current instant.
    func now() -> Date
    /// Suspends until `deadline`, or throws `CancellationError` when the calling task is cancelled
    /// (also when it was cancelled before the call: it then must not sleep at all).
    func sleep(until deadline: Date) async throws
}

/// The real clock: the system's wall time, and `Task.sleep` on the continuous clock.
public struct SystemClock: EngineClock {
    /// Creates the system clock.
    public init() {}

    public func now() -> Date { Date() }

    public func sleep(until deadline: Date) async throws {
        let interval = deadline.timeIntervalSinceNow
        if interval > 0 {
            try await Task.sleep(for: .seconds(interval), clock: .continuous)
        } else {
            try Task.checkCancellation()
        }
    }
}
