public import OnboardingEngine

/// The recurring directory-sync schedule the admin chose (the run's `syncFrequencyHours`) is set.
public struct DirectorySyncSchedule: OnboardingTask {
    let services: OnboardingServices

    /// This task's key: its id, typed with its output.
    public static let key = TaskKey<Output>("directory-sync-schedule")
    public var id: TaskID { Self.key.id }
    public var dependencies: [TaskID] { [DirectorySyncSettings.key.id] }
    public var requiredPermissions: Set<Permission> { [GuidePermissions.essentialsAdmin] }

    public func run(_ context: TaskContext) async throws -> NoOutput {
        let input = try context.input(as: OnboardingInput.self)
        guard (1...168).contains(input.syncFrequencyHours) else {
            throw TaskInterruption.permanent(
                "The directory-sync schedule must be between 1 and 168 hours; the run asked for \(input.syncFrequencyHours). Start the run with a valid schedule.",
                code: "invalidSchedule")
        }
        let current = try await call { try await services.essentials.azureSettings(org: input.essentialsOrg) }
        if current["sync_frequency_hours"]?.number != Double(input.syncFrequencyHours) {
            try await call {
                try await services.essentials.updateAzureSettings(
                    org: input.essentialsOrg, ["sync_frequency_hours": .number(Double(input.syncFrequencyHours))])
            }
        }
        return NoOutput()
    }

    public func observe(_ context: TaskContext) async throws -> Observation {
        let input = try context.input(as: OnboardingInput.self)
        let current = try await services.essentials.azureSettings(org: input.essentialsOrg)
        return current["sync_frequency_hours"]?.number == Double(input.syncFrequencyHours)
            ? .satisfied : .wouldChange(["set directory sync every \(input.syncFrequencyHours) h"])
    }
}
