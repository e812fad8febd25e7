import OnboardingEngine

/// Waits for a Global Admin to grant consent, as the real workflow does.
struct AdminConsent: OnboardingTask {
    let delay: Duration
    let fails: Bool
    var id: TaskID { "admin-consent" }
    var dependencies: [TaskID] { ["check-entitlement"] }

    func run(_ context: TaskContext) async throws -> NoOutput {
        guard context.confirmation != nil else {
            throw TaskInterruption.waitingForPerson(
                action: "A Global Admin must grant consent at the admin-consent URL, then confirm this step.")
        }
        try await Task.sleep(for: delay)
        if fails { throw demoFailure }
        return NoOutput()
    }

    func observe(_ context: TaskContext) async throws -> Observation {
        .wouldChange(["ask a Global Admin to grant consent to the Essentials app"])
    }
}
