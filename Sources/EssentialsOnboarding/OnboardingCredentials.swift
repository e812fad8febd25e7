/// The secrets the onboarding needs, supplied by the host at run time.
///
/// Deliberately not `Codable` and not printable: it is never journaled or logged. Build it from
/// the environment or a file the host names, and hand it to ``EssentialsWorkflow``.
public struct OnboardingCredentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The Azure application's client id (not secret; it appears in consent URLs).
    public var clientID: String
    /// The application's client secret; empty when it signs in with ``clientCertificate``.
    public var clientSecret: String
    /// The application's certificate credential; when set, token requests carry a signed client
    /// assertion instead of the secret.
    public var clientCertificate: ClientCertificate?
    /// The Essentials admin's address (`X-User`).
    public var essentialsUser: String
    /// The Essentials admin's password (`X-Password`).
    public var essentialsPassword: String

    /// Creates credentials.
    public init(clientID: String, clientSecret: String, essentialsUser: String, essentialsPassword: String) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.essentialsUser = essentialsUser
        self.essentialsPassword = essentialsPassword
    }

    /// Credentials whose application signs in with a certificate instead of a secret.
    public init(clientID: String, certificate: ClientCertificate, essentialsUser: String, essentialsPassword: String) {
        self.init(clientID: clientID, clientSecret: "", essentialsUser: essentialsUser, essentialsPassword: essentialsPassword)
        self.clientCertificate = certificate
    }

    public var description: String { "OnboardingCredentials(clientID: \(clientID), secrets redacted)" }
    public var debugDescription: String { description }
}
