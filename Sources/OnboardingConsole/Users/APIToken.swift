import Foundation

/// An API token for scripts: `NAME~SECRET`, where `NAME` is the token's entry in the users file
/// and `SECRET` 32 random bytes in base64url. Sent as `Authorization: Bearer NAME~SECRET`; the
/// users file keeps only its slow hash, like a password's. `onboard console add-token` makes one
/// and prints it once.
public enum APIToken {
    /// A fresh token for the entry named `name`.
    ///
    /// ```swift
    /// let token = APIToken.generate(name: "nightly-report")  // "nightly-report~3q2-7w…"
    /// ```
    public static func generate(name: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let secret = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return "\(name)\(separator)\(secret)"
    }

    /// The entry name a token names (what comes before its last `~`), or `nil` when it is not a token.
    public static func name(of token: String) -> String? {
        guard let index = token.lastIndex(of: separator) else { return nil }
        let name = String(token[..<index])
        return ConsoleUser.isValidName(name) && token.index(after: index) < token.endIndex ? name : nil
    }

    /// Between the name and the secret; never in a name, nor in base64url.
    static let separator: Character = "~"
}
