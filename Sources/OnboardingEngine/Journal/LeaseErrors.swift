/// The errors every journal backend gives for a lease it no longer holds.
package enum LeaseErrors {
    /// A commit by an engine whose lease on `run` passed to `holder` (or to nobody).
    package static func lostToAnother(_ run: RunID, holder: String?) -> EngineError {
        EngineError(
            .runLeased,
            "This engine lost the lease on run '\(run)' to \(holder ?? "nobody") (it was not renewed in time); it stopped writing. Resume the run once the other owner is done.",
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
