public import OnboardingEngine

/// The application holds Exchange Online's `Exchange.ManageAsApp` app role (self-assigned).
public struct ExchangeAppRole: OnboardingTask {
    let services: OnboardingServices
    let configuration: OnboardingConfiguration

    /// This task's key: its id, typed with its output.
    public static let key = TaskKey<Output>("exchange-app-role")
    public var id: TaskID { Self.key.id }
    public var dependencies: [TaskID] { [ServicePrincipals.key.id] }
    public var requiredPermissions: Set<Permission> {
        [GuidePermissions.appRoleAssignmentReadWriteAll, GuidePermissions.applicationReadAll]
    }

    public func run(_ context: TaskContext) async throws -> NoOutput {
        let principals = try context.output(of: ServicePrincipals.key)
        let permission = GuidePermissions.appRoleAssignmentReadWriteAll
        if try await !isAssigned(principals, permission: permission) {
            try await call(needing: permission) {
                try await services.graph.assignAppRole(
                    principal: principals.application, resource: principals.exchange, appRole: configuration.manageAsAppRoleID)
            }
            // Roles are fixed when a token is issued: later Exchange calls need a new one.
            services.identity.invalidate()
        }
        return NoOutput()
    }

    public func observe(_ context: TaskContext) async throws -> Observation {
        let principals = try context.output(of: ServicePrincipals.key)
        return try await isAssigned(principals, permission: nil)
            ? .satisfied : .wouldChange(["assign Exchange.ManageAsApp to the application"])
    }

    private func isAssigned(_ principals: ServicePrincipals.Output, permission: Permission?) async throws -> Bool {
        let assignments = try await call(needing: permission) {
            try await services.graph.appRoleAssignments(of: principals.application)
        }
        return assignments.contains { $0.resourceId == principals.exchange && $0.appRoleId == configuration.manageAsAppRoleID }
    }
}
