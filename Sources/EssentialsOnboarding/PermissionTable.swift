public import OnboardingEngine

/// One row of the permission report: a permission, the guide's reason for it, and the tasks
/// that declare it — generated from the tasks' declarations, never written by hand.
public struct PermissionUse: Sendable, Hashable {
    /// The permission.
    public var permission: Permission
    /// The integration guide's reason, or `nil` for a permission the guide does not list.
    public var reason: String?
    /// The tasks that need it, in graph order.
    public var tasks: [TaskID]
}

extension EssentialsWorkflow {
    /// Maps each permission (the guide's first, in its order) to the tasks of `graph` that declare it.
    public static func permissionTable(_ graph: TaskGraph) -> [PermissionUse] {
        var rows = GuidePermissions.listed.map { PermissionUse(permission: $0.permission, reason: $0.reason, tasks: []) }
        for descriptor in graph.descriptors {
            for permission in descriptor.requiredPermissions {
                if let index = rows.firstIndex(where: { $0.permission == permission }) {
                    rows[index].tasks.append(descriptor.id)
                } else {
                    rows.append(PermissionUse(permission: permission, reason: nil, tasks: [descriptor.id]))
                }
            }
        }
        return rows
    }
}
