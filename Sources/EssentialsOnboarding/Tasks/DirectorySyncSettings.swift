public import OnboardingEngine

/// Essentials' Azure directory sync is configured for the tenant (guide: "Essentials will configure Azure Directory Sync").
public struct DirectorySyncSettings: OnboardingTask {
    let services: OnboardingServices

    /// This task's key: its id, typed with its output.
    public static let key = TaskKey<Output>("directory-sync-settings")
    public var id: TaskID { Self.key.id }
    public var dependencies: [TaskID] { [ImportDomains.key.id] }
    public var requiredPermissions: Set<Permission> { [GuidePermissions.essentialsAdmin] }

    public func run(_ context: TaskContext) async throws -> NoOutput {
        let input = try context.input(as: OnboardingInput.self)
        let changes = try await drift(input)
        if !changes.isEmpty { try await call { try await services.essentials.updateAzureSettings(org: input.essentialsOrg, changes) } }
        return NoOutput()
    }

    public func observe(_ context: TaskContext) async throws -> Observation {
        let input = try context.input(as: OnboardingInput.self)
        return .wouldChange(try await drift(input).keys.sorted().map { "set Azure sync setting \($0)" })
    }

    /// The settings that differ from what the onboarding wants.
    private func drift(_ input: OnboardingInput) async throws -> [String: JSONValue] {
        let wanted: [String: JSONValue] = [
            "enabled": true, "tenant_id": .string(input.tenantID), "sync_users": true, "sync_groups": true,
        ]
        let current = try await call { try await services.essentials.azureSettings(org: input.essentialsOrg) }
        return wanted.filter { key, value in current[key] != value }
    }
}
