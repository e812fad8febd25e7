package import Foundation

/// The errors every journal backend gives for a lease it no longer holds, or that a live engine holds.
package enum LeaseErrors {
    /// A commit by an engine whose lease on `run` passed to `holder` (or to nobody).
    package static func lostToAnother(_ run: RunID, holder: String?) -> EngineError {
        EngineError(
            .runLeased,
            "This engine lost the lease on run '\(run)' to \(holder ?? "nobody") (it was not renewed in time); it stopped writing. Resume the run once the other owner is done.",
            runID: run)
    }

    /// A run whose lease a live engine holds, met while copying the journal: it could change
    /// while it is copied.
    package static func heldDuringCopy(_ run: RunID, holder: String, until expiry: Date) -> EngineError {
        EngineError(
            .runLeased,
            "Run '\(run)' is being run by \(holder) right now (lease until \(expiry.formatted(.iso8601))), so the journal cannot be copied: its runs could change while they are copied. Stop the process that runs it (let a worker shut down), then copy again; nothing was written.",
            runID: run)
    }

    /// A lease this engine could not renew for `seconds` (the journal did not answer), stopped
    /// before it may lapse.
    package static func notRenewable(_ run: RunID, for seconds: TimeInterval, error: any Error) -> EngineError {
        let reason = (error as? JournalError)?.message ?? (error as? EngineError)?.message ?? "the journal did not answer"
        return EngineError(
            .runLeased,
            "This engine could not renew its lease on run '\(run)' for \(Int(seconds.rounded())) s (\(reason)), so it stopped the run's tasks before the lease could lapse: another engine may take the run over. Resume it once the journal answers again.",
            runID: run)
    }

    /// A renewal by an engine that no longer holds the lease on `run`.
    package static func notRenewed(_ run: RunID) -> EngineError {
        EngineError(
            .runLeased,
            "This engine lost the lease on run '\(run)' (it was not renewed in time and another engine took it); it stopped writing.",
            runID: run)
    }
}
