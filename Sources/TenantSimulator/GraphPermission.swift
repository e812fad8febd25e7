/// A Microsoft Graph application permission (an app role of the Microsoft Graph service principal), or
/// Exchange Online's `Exchange.ManageAsApp`.
public struct GraphPermission: Sendable, Hashable, CustomStringConvertible {
    /// The permission's value as it appears in a token's `roles` claim, e.g. `User.Read.All`.
    public var name: String
    /// The app role id.
    public var id: String

    /// A permission with the given name and app role id.
    public init(name: String, id: String) {
        self.name = name
        self.id = id
    }

    /// The permission's name.
    public var description: String { name }

    /// `Application.Read.All`.
    public static let applicationReadAll = GraphPermission(
        name: "Application.Read.All", id: "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30")
    /// `AppRoleAssignment.ReadWrite.All`.
    public static let appRoleAssignmentReadWriteAll = GraphPermission(
        name: "AppRoleAssignment.ReadWrite.All", id: "06b708a9-e830-4db3-a914-8e69da51d44f")
    /// `Domain.Read.All`.
    public static let domainReadAll = GraphPermission(
        name: "Domain.Read.All", id: "dbb9058a-0e50-45d7-ae91-66909b5d4664")
    /// `EntitlementManagement.ReadWrite.All`.
    public static let entitlementManagementReadWriteAll = GraphPermission(
        name: "EntitlementManagement.ReadWrite.All", id: "9acd699f-1e81-4958-b001-93b1d2506e19")
    /// `Group.Read.All`.
    public static let groupReadAll = GraphPermission(
        name: "Group.Read.All", id: "5b567255-7703-4780-807c-7be8301ae99b")
    /// `GroupMember.Read.All`.
    public static let groupMemberReadAll = GraphPermission(
        name: "GroupMember.Read.All", id: "98830695-27a2-44f7-8c18-0c3ebc9698f6")
    /// `Mail.ReadWrite`.
    public static let mailReadWrite = GraphPermission(
        name: "Mail.ReadWrite", id: "e2a3a72e-5f79-4c64-b1b1-878b674786c9")
    /// `RoleManagement.ReadWrite.Directory`.
    public static let roleManagementReadWriteDirectory = GraphPermission(
        name: "RoleManagement.ReadWrite.Directory", id: "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8")
    /// `User.Read.All`.
    public static let userReadAll = GraphPermission(
        name: "User.Read.All", id: "df021288-bdef-4463-88db-98f22de89214")
    /// Exchange Online's `Exchange.ManageAsApp` (an app role of resource app `00000002-0000-0ff1-ce00-000000000000`).
    public static let exchangeManageAsApp = GraphPermission(
        name: "Exchange.ManageAsApp", id: "dc50a0fb-09a3-484d-be87-e023b12c6440")

    /// The nine Graph permissions the integration guide asks for.
    public static let allGraph: [GraphPermission] = [
        .applicationReadAll, .appRoleAssignmentReadWriteAll, .domainReadAll, .entitlementManagementReadWriteAll,
        .groupReadAll, .groupMemberReadAll, .mailReadWrite, .roleManagementReadWriteDirectory, .userReadAll,
    ]
}
