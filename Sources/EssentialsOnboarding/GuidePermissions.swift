public import OnboardingEngine

/// The permissions the integration guide lists, with the guide's reason for each.
public enum GuidePermissions {
    /// Self-management of the application; Exchange mail-flow set-up.
    public static let applicationReadAll: Permission = "Application.Read.All"
    /// Self-assigning the Exchange Online management role.
    public static let appRoleAssignmentReadWriteAll: Permission = "AppRoleAssignment.ReadWrite.All"
    /// Importing domains.
    public static let domainReadAll: Permission = "Domain.Read.All"
    /// Self-assigning the Exchange Online management role (per the guide).
    public static let entitlementManagementReadWriteAll: Permission = "EntitlementManagement.ReadWrite.All"
    /// Exchange Online management as the application.
    public static let exchangeManageAsApp: Permission = "Exchange.ManageAsApp"
    /// Directory sync of groups.
    public static let groupReadAll: Permission = "Group.Read.All"
    /// Directory sync of group members.
    public static let groupMemberReadAll: Permission = "GroupMember.Read.All"
    /// One-click remediation.
    public static let mailReadWrite: Permission = "Mail.ReadWrite"
    /// Assigning the Exchange Administrator directory role.
    public static let roleManagementReadWriteDirectory: Permission = "RoleManagement.ReadWrite.Directory"
    /// Directory sync of users.
    public static let userReadAll: Permission = "User.Read.All"
    /// The Essentials admin account the host signs in with (not a Microsoft permission).
    public static let essentialsAdmin: Permission = "Essentials.Admin"
    /// The Essentials channel admin account, for child organizations (not a Microsoft permission).
    public static let essentialsChannelAdmin: Permission = "Essentials.ChannelAdmin"

    /// Every Microsoft permission the guide lists, with its reason in the guide's words.
    public static let listed: [(permission: Permission, reason: String)] = [
        (applicationReadAll, "Used to perform self-management (of the Proofpoint Essentials M365 application) and facilitate Exchange Online mail flow configuration."),
        (appRoleAssignmentReadWriteAll, "Used to self-assign the Exchange Online management role in order to create the rules and connectors necessary for mail flow."),
        (domainReadAll, "Used to import domains for the purpose of configuring mail flow in Proofpoint Essentials, and of determining users to sync via Azure Directory Sync."),
        (entitlementManagementReadWriteAll, "Used to self-assign the Exchange Online management role in order to create the rules and connectors necessary for mail flow."),
        (exchangeManageAsApp, "Used to enable Exchange Online management for the application in order to create the rules and connectors necessary for mail flow."),
        (groupReadAll, "Used by Azure Directory Sync to import organization groups into Essentials."),
        (groupMemberReadAll, "Used by Azure Directory Sync to recreate groups during import of users into Essentials."),
        (mailReadWrite, "Used by 'One Click Remediation' to manage mail disposition directly in a user's inbox, i.e. move a mail to/from quarantine."),
        (roleManagementReadWriteDirectory, "Used to enable Exchange Online management for the application in order to create the rules and connectors necessary for mail flow."),
        (userReadAll, "Used by Azure Directory Sync to import organization users into Essentials."),
    ]

    /// The Microsoft Graph application permissions admin consent must grant (all listed but Exchange's).
    public static var graphPermissions: Set<Permission> {
        Set(listed.map(\.permission)).subtracting([exchangeManageAsApp])
    }
}
