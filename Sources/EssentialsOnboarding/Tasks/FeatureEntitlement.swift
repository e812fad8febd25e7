public import OnboardingEngine

/// The Essentials org is entitled to the Microsoft 365 integration (guide: "Feature Enablement").
public struct FeatureEntitlement: OnboardingTask {
    let services: OnboardingServices
    let configuration: OnboardingConfiguration

    /// This task's key: its id, typed with its output.
    public static let key = TaskKey<Output>("feature-entitlement")
    public var id: TaskID { Self.key.id }
    public var requiredPermissions: Set<Permission> { [GuidePermissions.essentialsAdmin] }
    public var effect: TaskEffect { .readOnly }

    public func run(_ context: TaskContext) async throws -> NoOutput {
        let input = try context.input(as: OnboardingInput.self)
        let features = try await call { try await services.essentials.features(org: input.essentialsOrg) }
        guard features.contains(configuration.integrationFeature) else {
            throw TaskInterruption.permanent(
                "The Essentials organization \(input.essentialsOrg) is not entitled to the Microsoft 365 integration. Contact your Proofpoint Essentials representative to add it to the package, then retry this task.",
                code: "notEntitled")
        }
        return NoOutput()
    }

    public func observe(_ context: TaskContext) async throws -> Observation {
        let input = try context.input(as: OnboardingInput.self)
        let features = try await services.essentials.features(org: input.essentialsOrg)
        return features.contains(configuration.integrationFeature)
            ? .satisfied : .unknown("not entitled: the run would stop here")
    }
}

/// Runs a service call and turns a ``ServiceError`` into the engine outcome it means.
func call<T>(needing permission: Permission? = nil, _ body: () async throws -> T) async throws -> T {
    try await ServiceError.mappingFailures(needing: permission, body)
}
