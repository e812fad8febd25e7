/// A service principal: an application's identity in a tenant.
public struct ServicePrincipal: Codable, Sendable, Hashable {
    /// The principal's object id.
    public var id: String
    /// The application's client id.
    public var appId: String
    /// Its display name.
    public var displayName: String?
}

/// An app role granted to a principal on a resource (e.g. Exchange.ManageAsApp on Exchange Online).
public struct AppRoleAssignment: Codable, Sendable, Hashable {
    /// The assignment's id.
    public var id: String?
    /// Who holds the role.
    public var principalId: String
    /// The resource's service principal.
    public var resourceId: String
    /// The role.
    public var appRoleId: String
}

/// A directory role assigned to a principal (e.g. Exchange Administrator).
public struct DirectoryRoleAssignment: Codable, Sendable, Hashable {
    /// The assignment's id.
    public var id: String?
    /// Who holds the role.
    public var principalId: String
    /// The role definition.
    public var roleDefinitionId: String
    /// The scope, `/` for the whole directory.
    public var directoryScopeId: String?
}

/// A domain of the tenant.
public struct GraphDomain: Codable, Sendable, Hashable {
    /// The domain name.
    public var id: String
    /// Whether ownership was verified.
    public var isVerified: Bool
    /// The services it is set up for, e.g. `Email`.
    public var supportedServices: [String]?
    /// Whether it is the tenant's initial domain (`contoso.onmicrosoft.com`).
    public var isInitial: Bool?

    /// Verified and used for mail: the domains the guide imports.
    public var isMailDomain: Bool { isVerified && (supportedServices ?? []).contains("Email") }

    /// A domain whose DNS Microsoft owns: the initial domain, or any `*.onmicrosoft.com`. Nobody
    /// can point its MX at Essentials or add Essentials to its SPF record, so it is not imported
    /// by default (``OnboardingConfiguration/importMicrosoftDomains``).
    public var isMicrosoftOwned: Bool {
        isInitial == true || GraphDomain.isMicrosoftOwned(id)
    }

    /// Whether `name` lies in Microsoft's own zone (`*.onmicrosoft.com`), whose DNS nobody else can change.
    public static func isMicrosoftOwned(_ name: String) -> Bool {
        let name = name.lowercased()
        return name == "onmicrosoft.com" || name.hasSuffix(".onmicrosoft.com")
    }
}

/// A user, as directory sync reads it.
public struct GraphUser: Codable, Sendable, Hashable {
    /// The user's object id.
    public var id: String
    /// The sign-in name.
    public var userPrincipalName: String?
    /// The primary mail address.
    public var mail: String?
    /// The display name.
    public var displayName: String?
    /// Set when a delta round reports the user removed.
    public var removed: Removed?

    /// Why a user left, in a delta round.
    public struct Removed: Codable, Sendable, Hashable { public var reason: String? }

    enum CodingKeys: String, CodingKey {
        case id, userPrincipalName, mail, displayName
        case removed = "@removed"
    }
}

/// A group, as directory sync reads it.
public struct GraphGroup: Codable, Sendable, Hashable {
    /// The group's object id.
    public var id: String
    /// The display name.
    public var displayName: String?
    /// The group's mail address.
    public var mail: String?
}

/// A directory object in a group's member list.
public struct GraphMember: Codable, Sendable, Hashable {
    /// The member's object id.
    public var id: String
    /// `#microsoft.graph.user`, `#microsoft.graph.group`, …
    public var type: String?

    enum CodingKeys: String, CodingKey {
        case id
        case type = "@odata.type"
    }
}

/// A mail message, as one-click remediation moves it.
public struct GraphMessage: Codable, Sendable, Hashable {
    /// The message's id (it changes when the message moves).
    public var id: String
    /// Its subject.
    public var subject: String?
    /// The folder it is in.
    public var parentFolderId: String?
}

/// One page of a Graph collection.
public struct GraphPage<Element: Decodable & Sendable>: Decodable, Sendable {
    /// The page's items.
    public var value: [Element]
    /// The next page, if any.
    public var nextLink: String?
    /// The link for the next delta round, on the last page of a delta query.
    public var deltaLink: String?

    enum CodingKeys: String, CodingKey {
        case value
        case nextLink = "@odata.nextLink"
        case deltaLink = "@odata.deltaLink"
    }
}
