import OnboardingEngine

/// The application holds the Exchange Administrator directory role.
public struct ExchangeAdministratorRole: OnboardingTask {
    let services: OnboardingServices
    let configuration: OnboardingConfiguration

    public var id: TaskID { "exchange-admin-role" }
    public var dependencies: [TaskID] { ["service-principals"] }
    /// The guide names EntitlementManagement.ReadWrite.All for this step; Graph accepts either.
    public var requiredPermissions: Set<Permission> {
        [GuidePermissions.roleManagementReadWriteDirectory, GuidePermissions.entitlementManagementReadWriteAll]
    }

    public func run(_ context: TaskContext) async throws -> NoOutput {
        let principals = try context.output(of: "service-principals", as: ServicePrincipals.Output.self)
        let permission = GuidePermissions.roleManagementReadWriteDirectory
        if try await !isAssigned(principals.application, permission: permission) {
            try await call(needing: permission) {
                try await services.graph.assignDirectoryRole(
                    principal: principals.application, roleDefinition: configuration.exchangeAdministratorRoleID)
            }
        }
        return NoOutput()
    }

    public func observe(_ context: TaskContext) async throws -> Observation {
        let principals = try context.output(of: "service-principals", as: ServicePrincipals.Output.self)
        return try await isAssigned(principals.application, permission: nil)
            ? .satisfied : .wouldChange(["assign the Exchange Administrator role to the application"])
    }

    private func isAssigned(_ principal: String, permission: Permission?) async throws -> Bool {
        let assignments = try await call(needing: permission) { try await services.graph.directoryRoleAssignments(of: principal) }
        return assignments.contains { $0.roleDefinitionId == configuration.exchangeAdministratorRoleID }
    }
}
