import Foundation
import OnboardingEngine
import Synchronization

/// Slows down password guessing: after `limit` failed sign-ins for one name, or from one address,
/// within `window`, further sign-ins for that name or from that address are refused (429 with
/// `Retry-After`) until the oldest failure leaves the window. The time comes from the engine's
/// clock, so tests move it instead of sleeping.
final class SignInLimiter: Sendable {
    let clock: any EngineClock
    let limit: Int
    let window: TimeInterval
    /// `name:…` or `address:…` → the failures' times, oldest first.
    private let failures = Mutex<[String: [Date]]>([:])

    init(clock: any EngineClock, limit: Int = 5, window: TimeInterval = 60) {
        self.clock = clock
        self.limit = limit
        self.window = window
    }

    private static func keys(name: String?, address: String?) -> [String] {
        (name.map { ["name:" + $0.lowercased()] } ?? []) + (address.map { ["address:" + $0] } ?? [])
    }

    /// Seconds to wait before signing in as `name` from `address` is allowed again; `nil` when it is now.
    func retryAfter(name: String?, address: String?) -> Int? {
        let now = clock.now()
        let keys = Self.keys(name: name, address: address)
        return failures.withLock { all in
            var wait: TimeInterval = 0
            for key in keys {
                let recent = (all[key] ?? []).filter { now.timeIntervalSince($0) < window }
                all[key] = recent.isEmpty ? nil : recent
                if recent.count >= limit, let oldest = recent.first {
                    wait = max(wait, window - now.timeIntervalSince(oldest))
                }
            }
            return wait > 0 ? max(1, Int(wait.rounded(.up))) : nil
        }
    }

    /// Counts a failed sign-in for `name` from `address`.
    func recordFailure(name: String?, address: String?) {
        let now = clock.now()
        failures.withLock { all in
            if all.count > 100_000 {
                all = all.filter { ($0.value.last.map { now.timeIntervalSince($0) } ?? .infinity) < window }
            }
            for key in Self.keys(name: name, address: address) { all[key, default: []].append(now) }
        }
    }
}
