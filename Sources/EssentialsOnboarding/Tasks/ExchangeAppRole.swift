import OnboardingEngine

/// The application holds Exchange Online's `Exchange.ManageAsApp` app role (self-assigned).
public struct ExchangeAppRole: OnboardingTask {
    let services: OnboardingServices
    let configuration: OnboardingConfiguration

    public var id: TaskID { "exchange-app-role" }
    public var dependencies: [TaskID] { ["service-principals"] }
    public var requiredPermissions: Set<Permission> {
        [GuidePermissions.appRoleAssignmentReadWriteAll, GuidePermissions.applicationReadAll]
    }

    public func run(_ context: TaskContext) async throws -> NoOutput {
        let principals = try context.output(of: "service-principals", as: ServicePrincipals.Output.self)
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
        let principals = try context.output(of: "service-principals", as: ServicePrincipals.Output.self)
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
