public import Foundation

/// An app-only access token and what it grants. Never journaled, never logged.
public struct AccessToken: Sendable, CustomStringConvertible {
    /// The bearer token.
    let value: String
    /// When it expires.
    public let expiresAt: Date
    /// The permissions (app roles) it carries, from its `roles` claim.
    public let roles: Set<String>

    public var description: String { "AccessToken(roles: \(roles.sorted()), expires: \(expiresAt), value redacted)" }

    /// Reads the `roles` claim of a JWT without verifying it (the resource verifies it).
    static func roles(of jwt: String) -> Set<String> {
        let parts = jwt.split(separator: ".")
        guard parts.count >= 2 else { return [] }
        var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64),
            let payload = try? JSONDecoder().decode(Claims.self, from: data)
        else { return [] }
        return Set(payload.roles ?? [])
    }

    private struct Claims: Decodable { var roles: [String]? }
}

/// The resources the workflow asks tokens for.
public enum TokenResource: String, Sendable, Hashable {
    /// Microsoft Graph.
    case graph = "https://graph.microsoft.com"
    /// Exchange Online (the admin API).
    case exchange = "https://outlook.office365.com"

    var scope: String { rawValue + "/.default" }
}
