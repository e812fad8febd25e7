import Crypto
import Foundation
import X509
import _CryptoExtras

/// A certificate registered on the simulated application, as the token endpoint checks client
/// assertions against it.
struct RegisteredCertificate: Sendable {
    let thumbprintSHA256: String
    let thumbprintSHA1: String
    let publicKey: _RSA.Signing.PublicKey

    /// The certificate in `pem`; `nil` when it is not an RSA certificate in PEM.
    init?(pem: String) {
        guard let certificate = try? Certificate(pemEncoded: pem),
            let key = _RSA.Signing.PublicKey(certificate.publicKey),
            let der = try? certificate.serializeAsPEM().derBytes
        else { return nil }
        publicKey = key
        thumbprintSHA256 = Base64URL.encode(SHA256.hash(data: der))
        thumbprintSHA1 = Base64URL.encode(Insecure.SHA1.hash(data: der))
    }
}

/// Checks a client assertion (a JWT signed with RS256 by a registered certificate's key) the way
/// the identity platform does, answering with its error codes: 700027 when the certificate is
/// unknown or the signature does not verify, 700024 outside the assertion's time range, 700021
/// when it names another client, 50013 when it is for another token endpoint.
enum ClientAssertion {
    /// `nil` when the assertion is good; else the refusal's code and description.
    static func problem(
        _ assertion: String, clientId: String, audiences: Set<String>, certificates: [RegisteredCertificate], now: Date
    ) -> (code: Int, description: String)? {
        let parts = assertion.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(parts[0]), let claimBytes = Base64URL.decode(parts[1]),
            let signature = Base64URL.decode(parts[2]), let header = SimulatorJSON.parse(headerBytes),
            let claims = SimulatorJSON.parse(claimBytes)
        else {
            return (50027, "JWT token is invalid or malformed.")
        }
        guard header["alg"]?.stringValue == "RS256" else {
            return (700027, "Client assertion failed signature validation: the algorithm must be RS256.")
        }
        let sha256 = header["x5t#S256"]?.stringValue
        let sha1 = header["x5t"]?.stringValue
        guard
            let certificate = certificates.first(where: {
                (sha256 != nil && $0.thumbprintSHA256 == sha256) || (sha256 == nil && sha1 != nil && $0.thumbprintSHA1 == sha1)
            })
        else {
            return (
                700027,
                "The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '\(sha256 ?? sha1 ?? "")']"
            )
        }
        let signed = Data(parts[0].utf8 + Array(".".utf8) + parts[1].utf8)
        guard
            certificate.publicKey.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature), for: signed, padding: .insecurePKCS1v1_5)
        else {
            return (700027, "Client assertion failed signature validation.")
        }
        guard claims["iss"]?.stringValue?.lowercased() == clientId.lowercased(),
            claims["sub"]?.stringValue?.lowercased() == clientId.lowercased()
        else {
            return (700021, "Client assertion application identifier doesn't match 'client_id' parameter.")
        }
        guard let audience = claims["aud"]?.stringValue, audiences.contains(audience) else {
            return (
                50013,
                "Assertion audience claim does not match the required value. The audience in the assertion was '\(claims["aud"]?.stringValue ?? "")'."
            )
        }
        let time = now.timeIntervalSince1970
        guard let expires = claims["exp"]?.intValue, Double(expires) > time,
            Double(claims["nbf"]?.intValue ?? 0) <= time + 300
        else {
            return (700024, "Client assertion is not within its valid time range.")
        }
        return nil
    }
}
