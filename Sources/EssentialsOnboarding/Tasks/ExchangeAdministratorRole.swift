public import OnboardingEngine

/// The application holds the Exchange Administrator directory role.
public struct ExchangeAdministratorRole: OnboardingTask {
    let services: OnboardingServices
    let configuration: OnboardingConfiguration

    /// This task's key: its id, typed with its output.
    public static let key = TaskKey<Output>("exchange-admin-role")
    public var id: TaskID { Self.key.id }
    public var dependencies: [TaskID] { [ServicePrincipals.key.id] }
    /// The guide names EntitlementManagement.ReadWrite.All for this step; Graph accepts either.
    public var requiredPermissions: Set<Permission> {
        [GuidePermissions.roleManagementReadWriteDirectory, GuidePermissions.entitlementManagementReadWriteAll]
    }

    public func run(_ context: TaskContext) async throws -> NoOutput {
        let principals = try context.output(of: ServicePrincipals.key)
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
        let principals = try context.output(of: ServicePrincipals.key)
        return try await isAssigned(principals.application, permission: nil)
            ? .satisfied : .wouldChange(["assign the Exchange Administrator role to the application"])
    }

    private func isAssigned(_ principal: String, permission: Permission?) async throws -> Bool {
        let assignments = try await call(needing: permission) { try await services.graph.directoryRoleAssignments(of: principal) }
        return assignments.contains { $0.roleDefinitionId == configuration.exchangeAdministratorRoleID }
    }
}
