import Foundation

/// What a run's supervisor knows of its lease: when it was last known to be held, and whether
/// the journal stopped answering renewals.
///
/// Expiry is counted from the moment a renewal was *asked* (the journal's expiry is at least that
/// plus the duration), and the run's tasks stop a sixth of the duration before it: an engine cut
/// off from its journal must not go on changing a tenant while another engine may take the run.
struct LeaseKeeper {
    /// When the last successful renewal (or the claim) was asked, by the engine's clock.
    private(set) var heldSince: Date
    /// The lease's duration in seconds.
    let duration: TimeInterval
    /// Whether the last renewal failed (renewals are then asked at every tick).
    var failing = false

    init(taken: Date, duration: TimeInterval) {
        self.heldSince = taken
        self.duration = duration
    }

    /// Whether a renewal should be asked now: every `every` seconds, or at once while failing.
    func renewalDue(at now: Date, every: TimeInterval) -> Bool {
        failing || now.timeIntervalSince(heldSince) >= every
    }

    /// Records a renewal asked at `asked` that succeeded.
    mutating func renewed(at asked: Date) {
        heldSince = asked
        failing = false
    }

    /// Whether the lease may lapse before another renewal could succeed: past five sixths of it.
    func mayLapse(at now: Date) -> Bool {
        now.timeIntervalSince(heldSince) >= duration * 5 / 6
    }
}
