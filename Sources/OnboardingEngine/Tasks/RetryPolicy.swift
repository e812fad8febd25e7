public import Foundation

/// How often and how quickly a task is tried again after a retryable failure.
///
/// The delay before attempt *n + 1* is `initialDelay × multiplier^(n−1)`, capped at `maxDelay`,
/// then spread by ±`jitter` (a fraction) so that many runs throttled together do not retry in
/// lock-step. A server-given retry-after (for example HTTP `Retry-After`) replaces the computed
/// delay when it is longer, up to `maxDelay`: a server cannot push a run's next attempt further
/// out than the task's own policy allows (a hostile `Retry-After: 999999999` would otherwise
/// schedule it decades ahead).
public struct RetryPolicy: Sendable, Hashable, Codable {
    /// The most attempts, the first included. Attempts interrupted by a crash count too.
    public var maxAttempts: Int
    /// The delay after the first failed attempt.
    public var initialDelay: Duration
    /// The factor each further delay grows by.
    public var multiplier: Double
    /// The longest delay, computed or asked for by a server.
    public var maxDelay: Duration
    /// The fraction by which a delay is randomly spread, from 0 (none) to 1.
    public var jitter: Double

    /// Creates a retry policy.
    public init(
        maxAttempts: Int = 8,
        initialDelay: Duration = .seconds(1),
        multiplier: Double = 2,
        maxDelay: Duration = .seconds(300),
        jitter: Double = 0.2
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialDelay = initialDelay
        self.multiplier = max(1, multiplier)
        self.maxDelay = maxDelay
        self.jitter = min(1, max(0, jitter))
    }

    /// Eight attempts, 1 s doubling to at most 5 minutes, ±20 % jitter.
    public static let standard = RetryPolicy()
    /// A single attempt: any failure is final.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// The delay before the attempt after `attempt` (1-based), given a server's retry-after.
    ///
    /// - Parameters:
    ///   - attempt: the attempt that just failed, starting at 1.
    ///   - retryAfter: a delay the server asked for, if any; honoured when longer than the
    ///     backoff, up to ``maxDelay``. A negative one is ignored.
    ///   - unitRandom: a number in `0..<1` used for jitter (injected so tests are deterministic).
    public func delay(afterAttempt attempt: Int, retryAfter: Duration? = nil, unitRandom: Double) -> Duration {
        let base = initialDelay.seconds * pow(multiplier, Double(max(0, attempt - 1)))
        let capped = min(base, maxDelay.seconds)
        let spread = capped * jitter * (unitRandom * 2 - 1)
        let computed = max(0, capped + spread)
        if let retryAfter, retryAfter.seconds > computed { return min(retryAfter, .seconds(max(computed, maxDelay.seconds))) }
        return .seconds(computed)
    }
}

extension Duration {
    /// The duration in seconds as a `TimeInterval`, for `Date` arithmetic: the one conversion
    /// the engine, the workflow and their tests share.
    public var timeInterval: TimeInterval {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    /// The duration in seconds as a floating-point number.
    var seconds: Double { timeInterval }
}
