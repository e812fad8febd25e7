/// The multi-tenant application registration that onboarding runs as.
public struct SimulatedApplication: Sendable, Hashable {
    /// The application (client) id.
    public var clientId: String = "6f1c3b7e-2d4a-4e8b-9c5d-0a1b2c3d4e5f"
    /// The one client secret the token endpoint accepts.
    public var clientSecret: String = "simulator-client-secret"
    /// Certificates registered on the application (PEM), whose keys may sign client assertions
    /// in place of the secret; RSA only. One that does not parse matches no assertion.
    public var certificates: [String] = []
    /// The display name of its service principals.
    public var displayName: String = "Proofpoint Essentials M365 Integration"
    /// The Graph permissions admin consent grants.
    public var requestedPermissions: [GraphPermission] = GraphPermission.allGraph

    /// The default application.
    public init() {}
}
