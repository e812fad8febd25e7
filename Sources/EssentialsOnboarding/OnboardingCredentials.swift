/// The secrets the onboarding needs, supplied by the host at run time.
///
/// Deliberately not `Codable` and not printable: it is never journaled or logged. Build it from
/// the environment or a file the host names, and hand it to ``EssentialsWorkflow``.
public struct OnboardingCredentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The Azure application's client id (not secret; it appears in consent URLs).
    public var clientID: String
    /// The application's client secret.
    public var clientSecret: String
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

    public var description: String { "OnboardingCredentials(clientID: \(clientID), secrets redacted)" }
    public var debugDescription: String { description }
}
