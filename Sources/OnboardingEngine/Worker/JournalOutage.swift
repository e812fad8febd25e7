import Logging

/// A worker's view of its journal's availability: after a step the journal did not answer, the
/// worker claims nothing and asks again after a backoff that doubles up to half a minute; runs it
/// already executes stop on their own before their leases may lapse (the supervisor's renewals).
struct JournalOutage {
    /// Steps in a row the journal did not answer.
    private(set) var failures = 0
    /// The first wait after a failure, and the longest.
    static let firstBackoff = 0.25
    static let longestBackoff = 30.0

    /// Whether the journal is failing now.
    var isOn: Bool { failures > 0 }

    /// Records whether a step was answered; returns the seconds to wait before the next try
    /// while the journal fails, `nil` when it answers. Logs the outage's start and end once each.
    mutating func note(answered: Bool, logger: Logger) -> Double? {
        if answered {
            if failures > 0 {
                logger.notice("journal answers again; claiming resumes", metadata: ["failed_steps": "\(failures)"])
            }
            failures = 0
            return nil
        }
        failures += 1
        if failures == 1 {
            logger.error("journal does not answer; this worker claims nothing until it does, and its runs stop before their leases lapse")
        }
        return min(Self.firstBackoff * Double(1 << min(failures - 1, 16)), Self.longestBackoff)
    }
}
