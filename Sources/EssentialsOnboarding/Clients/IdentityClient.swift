public import Foundation
import OnboardingEngine
import Synchronization

/// The Microsoft identity platform: client-credentials tokens (cached until near expiry) and the
/// admin-consent URL and redirect.
public final class IdentityClient: Sendable {
    let http: ServiceHTTP
    let endpoints: ServiceEndpoints
    let tenant: String
    private let credentials: OnboardingCredentials
    private let cache = Mutex<[TokenResource: AccessToken]>([:])
    /// A cached token is renewed when it has less than this left.
    let renewalMargin: TimeInterval = 300

    init(http: ServiceHTTP, endpoints: ServiceEndpoints, tenant: String, credentials: OnboardingCredentials) {
        self.http = http
        self.endpoints = endpoints
        self.tenant = tenant
        self.credentials = credentials
    }

    /// A token for `resource`: the cached one while it has more than five minutes left, else a new one.
    ///
    /// - Parameter fresh: ignore the cache (roles are fixed when a token is issued: after a grant, ask fresh).
    /// - Throws: ``ServiceError``; AADSTS codes come with a sentence a support person can act on.
    public func token(for resource: TokenResource, fresh: Bool = false) async throws -> AccessToken {
        do {
            return try await requestToken(for: resource, fresh: fresh)
        } catch let error as ServiceError {
            throw error.scrubbed(by: http.redactor)
        }
    }

    private func requestToken(for resource: TokenResource, fresh: Bool) async throws -> AccessToken {
        let now = http.clock.now()
        if !fresh, let cached = cache.withLock({ $0[resource] }), cached.expiresAt.timeIntervalSince(now) > renewalMargin {
            return cached
        }
        let url = endpoints.login.appending(raw: "/\(tenant)/oauth2/v2.0/token")
        var fields = [("client_id", credentials.clientID)]
        if let certificate = credentials.clientCertificate {
            let assertion: String
            do {
                assertion = try certificate.assertion(clientID: credentials.clientID, audience: url.absoluteString, now: now)
            } catch {
                throw ServiceError(
                    .badRequest, service: .configuration,
                    message: "The client assertion could not be signed with the certificate's private key; check the key the host supplies.")
            }
            http.redactor.remember(assertion)
            fields += [
                ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                ("client_assertion", assertion),
            ]
        } else {
            fields.append(("client_secret", credentials.clientSecret))
        }
        fields += [("scope", resource.scope), ("grant_type", "client_credentials")]
        let form = fields.map { "\($0.0)=\(queryEscaped($0.1))" }.joined(separator: "&")
        let answer = try await http.send(
            .POST, url, headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(form.utf8),
            service: .identity)
        guard answer.status == 200 else { throw Self.error(answer, redactor: http.redactor) }
        struct TokenAnswer: Decodable { var access_token: String; var expires_in: Int }
        let decoded = try answer.decode(TokenAnswer.self, service: .identity, redactor: http.redactor)
        http.redactor.remember(decoded.access_token)
        http.logger.debug(
            "token acquired",
            metadata: ["resource": "\(resource.rawValue)", "expires_in_s": "\(decoded.expires_in)", "fresh": "\(fresh)"])
        let token = AccessToken(
            value: decoded.access_token, expiresAt: now.addingTimeInterval(TimeInterval(decoded.expires_in)),
            roles: AccessToken.roles(of: decoded.access_token))
        cache.withLock { $0[resource] = token }
        return token
    }

    /// Forgets cached tokens, so the next call gets one with the current grants.
    public func invalidate() { cache.withLock { $0.removeAll() } }

    /// The admin-consent URL a Global Admin opens to grant the application's permissions.
    public func adminConsentURL(redirectURI: URL, state: String) -> URL {
        var components = URLComponents(url: endpoints.login.appending(raw: "/\(tenant)/v2.0/adminconsent"), resolvingAgainstBaseURL: false)!
        components.queryItems = [
            URLQueryItem(name: "client_id", value: credentials.clientID),
            URLQueryItem(name: "scope", value: TokenResource.graph.scope),
            URLQueryItem(name: "redirect_uri", value: redirectURI.absoluteString),
            URLQueryItem(name: "state", value: state),
        ]
        return components.url!
    }

    /// Checks the redirect back from admin consent: the `state` must match, and consent must have been given.
    ///
    /// - Returns: the tenant id the redirect names.
    /// - Throws: ``ServiceError`` for a state mismatch (a forged or stale redirect) or a refusal.
    public static func checkConsentRedirect(_ url: URL, expectedState: String) throws -> String {
        let items = URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems ?? []
        func value(_ name: String) -> String? { items.first { $0.name == name }?.value }
        guard value("state") == expectedState else {
            throw ServiceError(
                .badRequest, service: .identity,
                message: "The consent redirect's state does not match the one sent; it was ignored (possible forgery or a stale link). Start consent again.")
        }
        if let error = value("error") {
            throw ServiceError(
                .unauthorized, service: .identity, serviceCode: error,
                message: "The admin did not grant consent (\(error): \(value("error_description") ?? "no description")). Ask a Global Admin to accept the permissions.")
        }
        guard value("admin_consent")?.lowercased() == "true", let tenant = value("tenant") else {
            throw ServiceError(.invalidResponse, service: .identity, message: "The consent redirect did not say consent was given.")
        }
        return tenant
    }

    /// Turns an identity-platform error into a sentence a support person can act on.
    static func error(_ answer: HTTPAnswer, redactor: SecretRedactor) -> ServiceError {
        struct Body: Decodable { var error: String?; var error_description: String?; var error_codes: [Int]? }
        let body = try? JSONDecoder().decode(Body.self, from: Data(answer.body))
        let code = body?.error_codes?.first.map { "AADSTS\($0)" }
        let description = redactor.excerpt(body?.error_description ?? String(decoding: answer.body, as: UTF8.self))
        let advice: String
        let kind: ServiceError.Code
        switch code {
        case "AADSTS7000215":
            (kind, advice) = (.unauthorized, "The client secret is wrong or expired: update the secret the host supplies.")
        case "AADSTS7000229":
            (kind, advice) = (.consentMissing, "The application has no service principal in this tenant yet: a Global Admin must grant admin consent first.")
        case "AADSTS65001":
            (kind, advice) = (.consentMissing, "Admin consent has not been granted (or has not reached the token service yet): a Global Admin must grant consent, then wait a minute.")
        case "AADSTS700027":
            (kind, advice) = (.unauthorized, "The certificate that signed the client assertion is not registered on the application, or the key does not match it: upload the certificate to the app registration, or supply its own private key.")
        case "AADSTS700024":
            (kind, advice) = (.unauthorized, "The client assertion is outside its valid time range: check this host's clock.")
        case "AADSTS50013", "AADSTS700021":
            (kind, advice) = (.unauthorized, "The client assertion names another application or token endpoint: check the client id and tenant.")
        case "AADSTS700016":
            (kind, advice) = (.unauthorized, "The client id is not an application known to this tenant: check the client id.")
        case "AADSTS90002":
            (kind, advice) = (.notFound, "The tenant does not exist: check the tenant id or domain.")
        default:
            (kind, advice) = (answer.status >= 500 ? .transient : .badRequest, "The identity platform refused the token request.")
        }
        // Microsoft's descriptions already start with the code ("AADSTS7000229: …"); say it once.
        let serviceCode = code ?? body?.error.map { redactor.excerpt($0, limit: 80) }
        let label = serviceCode ?? "HTTP \(answer.status)"
        let detail = description
        return ServiceError(
            kind, service: .identity, status: answer.status, serviceCode: serviceCode,
            message: "\(advice) (\(detail.hasPrefix(label) ? detail : "\(label): \(detail)"))")
    }
}
