import Foundation
import OnboardingEngine

/// `onboard permissions --json`: each permission and the tasks that need it (schema in
/// `Docs/SupportTool.md`).
struct PermissionTable: Codable, Equatable, Sendable {
    /// One permission.
    struct Row: Codable, Equatable, Sendable {
        var permission: String
        /// The tasks that need it, in the graph's order.
        var tasks: [String]
    }

    var schemaVersion = 1
    var workflow: String
    /// Set when the table comes from a run's journaled graph (`--run`).
    var run: String?
    /// Sorted by permission; tasks that need no permission do not appear.
    var permissions: [Row]

    init(workflow: String, run: RunID?, descriptors: [TaskDescriptor]) {
        self.workflow = workflow
        self.run = run?.rawValue
        var tasksByPermission: [Permission: [String]] = [:]
        for descriptor in descriptors {
            for permission in descriptor.requiredPermissions {
                tasksByPermission[permission, default: []].append(descriptor.id.rawValue)
            }
        }
        permissions = tasksByPermission.keys.sorted().map { Row(permission: $0.name, tasks: tasksByPermission[$0]!) }
    }
}
