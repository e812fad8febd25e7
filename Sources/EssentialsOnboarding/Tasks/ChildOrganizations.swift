public import OnboardingEngine

/// For a parent (channel) org: "Allow customers to use integrations" is on, and its child
/// organizations are listed so the host can start one run per child.
public struct ChildOrganizations: OnboardingTask {
    /// The child organizations' primary domains.
    public struct Output: Codable, Sendable, Hashable { public var children: [String] }

    let services: OnboardingServices

    /// This task's key: its id, typed with its output.
    public static let key = TaskKey<Output>("child-organizations")
    public var id: TaskID { Self.key.id }
    public var dependencies: [TaskID] { [FeatureEntitlement.key.id] }
    public var requiredPermissions: Set<Permission> { [GuidePermissions.essentialsChannelAdmin] }

    public func run(_ context: TaskContext) async throws -> Output {
        let input = try context.input(as: OnboardingInput.self)
        guard input.isParentOrg else { return Output(children: []) }
        if try await !call({ try await services.essentials.allowsCustomerIntegrations(org: input.essentialsOrg) }) {
            try await call { try await services.essentials.setAllowsCustomerIntegrations(org: input.essentialsOrg, true) }
        }
        let children = try await call { try await services.essentials.childOrgs(of: input.essentialsOrg) }
        return Output(children: children.map(\.primary_domain).sorted())
    }

    public func observe(_ context: TaskContext) async throws -> Observation {
        let input = try context.input(as: OnboardingInput.self)
        guard input.isParentOrg else { return .satisfied }
        return try await services.essentials.allowsCustomerIntegrations(org: input.essentialsOrg)
            ? .satisfied : .wouldChange(["allow customers of \(input.essentialsOrg) to use integrations"])
    }
}
