import Crypto
import Foundation
import _CryptoExtras

/// A certificate credential for the application: the certificate registered on the app (its
/// public part) and the RSA private key that signs client assertions, in place of a client secret.
///
/// Each token request then carries a short-lived JWT (RS256) naming the certificate by its
/// SHA-256 and SHA-1 thumbprints (`x5t#S256`, `x5t`), as the identity platform's certificate
/// credentials require. Like ``OnboardingCredentials``, it is not `Codable` and prints no key.
///
/// ```swift
/// let certificate = try ClientCertificate(
///     certificatePEM: String(contentsOfFile: "app.crt", encoding: .utf8),
///     privateKeyPEM: String(contentsOfFile: "app.key", encoding: .utf8))
/// let credentials = OnboardingCredentials(clientID: id, certificate: certificate, essentialsUser: u, essentialsPassword: p)
/// ```
public struct ClientCertificate: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    private let key: _RSA.Signing.PrivateKey
    /// The certificate's SHA-256 thumbprint, base64url (the assertion's `x5t#S256`).
    public let thumbprintSHA256: String
    /// The certificate's SHA-1 thumbprint, base64url (the assertion's `x5t`).
    public let thumbprintSHA1: String

    /// How long an assertion is valid; the identity platform accepts up to ten minutes.
    static let lifetime: TimeInterval = 600

    /// Reads the certificate (the first `CERTIFICATE` block) and its RSA private key (PKCS#1 or PKCS#8 PEM).
    ///
    /// - Throws: ``ServiceError`` with code ``ServiceError/Code/badRequest`` and service
    ///   `configuration` when either is not PEM of the right kind, or the key is too short.
    public init(certificatePEM: String, privateKeyPEM: String) throws {
        guard let der = Self.firstBlock(of: "CERTIFICATE", in: certificatePEM) else {
            throw ServiceError(
                .badRequest, service: .configuration,
                message: "The client certificate is not a PEM certificate (-----BEGIN CERTIFICATE-----).")
        }
        do {
            key = try _RSA.Signing.PrivateKey(pemRepresentation: privateKeyPEM)
        } catch {
            throw ServiceError(
                .badRequest, service: .configuration,
                message: "The client certificate's private key is not an RSA private key in PEM of at least 2048 bits (\(error)).")
        }
        thumbprintSHA256 = Self.base64URL(SHA256.hash(data: der))
        thumbprintSHA1 = Self.base64URL(Insecure.SHA1.hash(data: der))
    }

    /// A client assertion for the token endpoint `audience`, valid from `now` for ten minutes.
    func assertion(clientID: String, audience: String, now: Date) throws -> String {
        struct Header: Encodable {
            var alg = "RS256", typ = "JWT"
            var x5t: String, x5tS256: String
            enum CodingKeys: String, CodingKey { case alg, typ, x5t, x5tS256 = "x5t#S256" }
        }
        struct Claims: Encodable { var aud, iss, sub, jti: String; var nbf, iat, exp: Int }
        let issued = Int(now.timeIntervalSince1970)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let header = try encoder.encode(Header(x5t: thumbprintSHA1, x5tS256: thumbprintSHA256))
        let claims = try encoder.encode(
            Claims(
                aud: audience, iss: clientID, sub: clientID, jti: UUID().uuidString.lowercased(), nbf: issued,
                iat: issued, exp: issued + Int(Self.lifetime)))
        let signingInput = Self.base64URL(header) + "." + Self.base64URL(claims)
        let signature = try key.signature(for: Data(signingInput.utf8), padding: .insecurePKCS1v1_5)
        return signingInput + "." + Self.base64URL(signature.rawRepresentation)
    }

    /// Base64url without padding, as JWTs use it.
    static func base64URL<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The DER bytes of the first `-----BEGIN label-----` block.
    private static func firstBlock(of label: String, in pem: String) -> Data? {
        guard let begin = pem.range(of: "-----BEGIN \(label)-----"),
            let end = pem.range(of: "-----END \(label)-----", range: begin.upperBound..<pem.endIndex)
        else { return nil }
        let body = pem[begin.upperBound..<end.lowerBound].filter { !$0.isWhitespace }
        return Data(base64Encoded: String(body))
    }

    public var description: String { "ClientCertificate(x5t#S256: \(thumbprintSHA256), key redacted)" }
    public var debugDescription: String { description }
}
