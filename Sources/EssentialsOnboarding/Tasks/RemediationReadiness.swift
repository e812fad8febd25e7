public import OnboardingEngine

/// One-click remediation can work: the application's token carries Mail.ReadWrite.
public struct RemediationReadiness: OnboardingTask {
    let services: OnboardingServices

    /// This task's key: its id, typed with its output.
    public static let key = TaskKey<Output>("remediation-readiness")
    public var id: TaskID { Self.key.id }
    public var dependencies: [TaskID] { [AdminConsent.key.id] }
    public var requiredPermissions: Set<Permission> { [GuidePermissions.mailReadWrite] }
    public var effect: TaskEffect { .readOnly }

    public func run(_ context: TaskContext) async throws -> NoOutput {
        let token = try await call { try await services.identity.token(for: .graph, fresh: true) }
        guard token.roles.contains(GuidePermissions.mailReadWrite.name) else {
            throw TaskInterruption.blocked(
                missing: [GuidePermissions.mailReadWrite],
                "One-click remediation needs Mail.ReadWrite, which the application's token lacks. A Global Admin must grant it (admin consent), then resume.")
        }
        return NoOutput()
    }

    public func observe(_ context: TaskContext) async throws -> Observation {
        let token = try await services.identity.token(for: .graph, fresh: true)
        return token.roles.contains(GuidePermissions.mailReadWrite.name)
            ? .satisfied : .wouldChange(["block until Mail.ReadWrite is granted"])
    }
}
