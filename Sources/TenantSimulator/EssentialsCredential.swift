/// An Essentials admin account (`X-User` / `X-Password`).
public struct EssentialsCredential: Sendable, Hashable {
    /// The admin's address.
    public var user: String
    /// The password.
    public var password: String

    /// A credential.
    public init(user: String, password: String) {
        self.user = user
        self.password = password
    }
}
