public import OnboardingEngine

/// The application no longer holds its Exchange roles in the tenant: the Exchange.ManageAsApp
/// app role and the Exchange Administrator directory role are taken back. After every Exchange
/// removal, which needs them.
public struct RemoveAppRoles: OnboardingTask {
    let services: OnboardingServices
    let configuration: OnboardingConfiguration

    /// This task's key: its id, typed with its output.
    public static let key = TaskKey<Output>("remove-app-roles")
    public var id: TaskID { Self.key.id }
    public var dependencies: [TaskID] {
        ["remove-outbound-connector", "remove-bypass-rule", "remove-audit-rule", "remove-inbound-connector"]
    }
    public var requiredPermissions: Set<Permission> {
        [GuidePermissions.applicationReadAll, GuidePermissions.appRoleAssignmentReadWriteAll, GuidePermissions.roleManagementReadWriteDirectory]
    }

    public func run(_ context: TaskContext) async throws -> NoOutput {
        let (appRoles, directoryRoles, principal) = try await held()
        for assignment in appRoles {
            try await call(needing: GuidePermissions.appRoleAssignmentReadWriteAll) {
                try await services.graph.removeAppRoleAssignment(principal: principal, assignment: assignment)
            }
        }
        for assignment in directoryRoles {
            try await call(needing: GuidePermissions.roleManagementReadWriteDirectory) {
                try await services.graph.removeDirectoryRoleAssignment(assignment)
            }
        }
        return NoOutput()
    }

    public func observe(_ context: TaskContext) async throws -> Observation {
        let (appRoles, directoryRoles, _) = try await held()
        return .wouldChange(
            (appRoles.isEmpty ? [] : ["take back the Exchange.ManageAsApp app role"])
                + (directoryRoles.isEmpty ? [] : ["take back the Exchange Administrator directory role"]))
    }

    /// The ids of the Exchange role assignments the application holds, and its principal's id.
    private func held() async throws -> (appRoles: [String], directoryRoles: [String], principal: String) {
        let read = GuidePermissions.applicationReadAll
        guard let application = try await call(needing: read, { try await services.graph.servicePrincipal(appID: services.clientID) })
        else { return ([], [], "") }
        let exchange = try await call(needing: read) { try await services.graph.servicePrincipal(appID: configuration.exchangeAppID) }
        let appRoles = try await call(needing: GuidePermissions.appRoleAssignmentReadWriteAll) {
            try await services.graph.appRoleAssignments(of: application.id)
        }.filter {
            $0.resourceId.lowercased() == exchange?.id.lowercased() && $0.appRoleId.lowercased() == configuration.manageAsAppRoleID.lowercased()
        }.compactMap(\.id)
        let directoryRoles = try await call(needing: GuidePermissions.roleManagementReadWriteDirectory) {
            try await services.graph.directoryRoleAssignments(of: application.id)
        }.filter { $0.roleDefinitionId.lowercased() == configuration.exchangeAdministratorRoleID.lowercased() }.compactMap(\.id)
        return (appRoles, directoryRoles, application.id)
    }
}
