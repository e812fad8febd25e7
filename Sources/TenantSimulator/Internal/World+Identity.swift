import Foundation

/// Microsoft identity platform: the token endpoint, admin consent, and the JWT-shaped tokens.
extension World {
    struct TokenClaims: Sendable {
        var audience: String
        var tenantId: String
        var appId: String
        var roles: [String]
        var expires: Double
        var issuedAt: Double
    }

    enum TokenProblem: Error {
        case missing
        case malformed
        case expired
        case wrongAudience
    }

    // MARK: Routes

    mutating func handleIdentity(_ request: SimRequest) -> SimReply {
        let segments = Array(request.segments.dropFirst())  // drop "login"
        if segments.count == 4, segments[1] == "oauth2", segments[2] == "v2.0", segments[3] == "token" {
            guard request.method == "POST" else {
                return identityError(405, "invalid_request", 900561, "The endpoint only accepts POST requests.")
            }
            return token(
                tenant: segments[0], form: SimRequest.decodeForm(String(decoding: request.body, as: UTF8.self)))
        }
        if segments.count == 3, segments[1] == "v2.0", segments[2] == "adminconsent" {
            return adminConsent(tenant: segments[0], query: request.query)
        }
        return identityError(404, "invalid_request", 900023, "Specified path is not a known endpoint.")
    }

    func identityError(_ status: Int, _ error: String, _ code: Int, _ description: String) -> SimReply {
        let trace = UUID().uuidString.lowercased()
        let text =
            "AADSTS\(code): \(description) Trace ID: \(trace) Correlation ID: \(trace) Timestamp: \(Self.timestamp(now()))"
        return .json(
            status,
            [
                "error": .string(error), "error_description": .string(text), "error_codes": [.integer(code)],
                "timestamp": .string(Self.timestamp(now())), "trace_id": .string(trace),
                "correlation_id": .string(trace),
                "error_uri": .string("https://login.microsoftonline.com/error?code=\(code)"),
            ])
    }

    mutating func token(tenant identifier: String, form: [String: String]) -> SimReply {
        guard let key = tenantKey(for: identifier) else {
            return identityError(
                400, "invalid_request", 90002,
                "Tenant '\(identifier)' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
            )
        }
        let tenant = tenants[key]!
        let application = configuration.application
        guard form["grant_type"] == "client_credentials" else {
            return identityError(
                400, "unsupported_grant_type", 70003,
                "The app requested an unsupported grant type '\(form["grant_type"] ?? "")'.")
        }
        guard let clientId = form["client_id"], !clientId.isEmpty else {
            return identityError(
                400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.")
        }
        guard clientId.lowercased() == application.clientId.lowercased() else {
            return identityError(
                400, "unauthorized_client", 700016,
                "Application with identifier '\(clientId)' was not found in the directory '\(tenant.tenantId)'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant."
            )
        }
        if let secret = form["client_secret"] {
            guard secret == application.clientSecret else {
                return identityError(
                    401, "invalid_client", 7_000_215,
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '\(application.clientId)'."
                )
            }
        } else if let assertion = form["client_assertion"], !assertion.isEmpty,
            form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        {
            // The assertion is for this token endpoint, named by the tenant id or the domain used.
            let audiences: Set<String> = [
                "\(baseURL)/login/\(identifier)/oauth2/v2.0/token", "\(baseURL)/login/\(tenant.tenantId)/oauth2/v2.0/token",
            ]
            if let problem = ClientAssertion.problem(
                assertion, clientId: clientId, audiences: audiences, certificates: registeredCertificates, now: now())
            {
                return identityError(401, "invalid_client", problem.code, problem.description)
            }
        } else {
            return identityError(
                401, "invalid_client", 7_000_216,
                "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.")
        }
        let scope = form["scope"] ?? ""
        let audience: String
        let resourceId: String
        switch scope.lowercased() {
        case Self.graphResource + "/.default", Self.graphResource + "//.default":
            audience = Self.graphResource
            resourceId = tenant.graphServicePrincipalId
        case Self.exchangeResource + "/.default", Self.exchangeResource + "//.default":
            audience = Self.exchangeResource
            resourceId = tenant.exchangeServicePrincipalId
        default:
            return identityError(
                400, "invalid_scope", 1_002_012,
                "The provided value for scope \(scope) is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
            )
        }
        guard tenant.appServicePrincipalId != nil else {
            return identityError(
                401, "invalid_client", 7_000_229,
                "The client application \(application.clientId) is missing service principal in the tenant \(tenant.tenantId). See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119"
            )
        }
        let cutoff = now().addingTimeInterval(-timings.tokenRolePropagationDelay.simulatorSeconds)
        let roles = tenant.grantedRoles(resourceId: resourceId, grantedBefore: cutoff)
        if roles.isEmpty && audience == Self.graphResource {
            return identityError(
                400, "invalid_grant", 65001,
                "The user or administrator has not consented to use the application with ID '\(application.clientId)' named '\(application.displayName)'. Send an interactive authorization request for this user and resource."
            )
        }
        let lifetime = Int(timings.tokenLifetime.simulatorSeconds.rounded())
        let issuedAt = now().timeIntervalSince1970.rounded(.down)
        let claims = TokenClaims(
            audience: audience, tenantId: tenant.tenantId, appId: application.clientId, roles: roles,
            expires: issuedAt + Double(lifetime), issuedAt: issuedAt)
        return .json(
            200,
            [
                "token_type": "Bearer", "expires_in": .integer(lifetime), "ext_expires_in": .integer(lifetime),
                "access_token": .string(encodeToken(claims, servicePrincipalId: tenant.appServicePrincipalId!)),
            ])
    }

    mutating func adminConsent(tenant identifier: String, query: [String: String]) -> SimReply {
        guard let key = tenantKey(for: identifier) else {
            return identityError(400, "invalid_request", 90002, "Tenant '\(identifier)' not found.")
        }
        guard let clientId = query["client_id"],
            clientId.lowercased() == configuration.application.clientId.lowercased()
        else {
            return identityError(
                400, "unauthorized_client", 700016,
                "Application with identifier '\(query["client_id"] ?? "")' was not found in the directory '\(tenants[key]!.tenantId)'."
            )
        }
        guard let redirect = query["redirect_uri"], !redirect.isEmpty else {
            return identityError(
                400, "invalid_request", 900144, "The request body must contain the following parameter: 'redirect_uri'."
            )
        }
        guard let scope = query["scope"], !scope.isEmpty else {
            return identityError(
                400, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'.")
        }
        var parameters: [(String, String)]
        if let refusal = tenants[key]!.consentRefusal {
            parameters = [("error", "permission_denied"), ("error_description", refusal)]
        } else {
            grantConsent(tenantKey: key, permissions: configuration.application.requestedPermissions)
            parameters = [("tenant", tenants[key]!.tenantId), ("admin_consent", "True")]
        }
        if let state = query["state"] { parameters.append(("state", state)) }
        let separator = redirect.contains("?") ? "&" : "?"
        let encoded = parameters.map { "\($0.0)=\(SimRequest.percentEncode($0.1))" }.joined(separator: "&")
        return .redirect(redirect + separator + encoded)
    }

    // MARK: Consent (also used in process)

    mutating func ensureServicePrincipal(tenantKey key: String) -> String {
        if let id = tenants[key]!.appServicePrincipalId { return id }
        let id = DeterministicID.uuid(tenants[key]!.seed.seed, "sp", "app", tenants[key]!.tenantId)
        tenants[key]!.appServicePrincipalId = id
        tenants[key]!.appServicePrincipalCreatedAt = now()
        return id
    }

    mutating func grantConsent(tenantKey key: String, permissions: [GraphPermission]) {
        let principal = ensureServicePrincipal(tenantKey: key)
        for permission in permissions {
            let resource =
                permission == .exchangeManageAsApp
                ? tenants[key]!.exchangeServicePrincipalId : tenants[key]!.graphServicePrincipalId
            let exists = tenants[key]!.appRoleAssignments.contains {
                $0.principalId == principal && $0.resourceId == resource && $0.appRoleId == permission.id
            }
            if exists { continue }
            let id = newID("appRoleAssignment")
            tenants[key]!.appRoleAssignments.append(
                .init(id: id, principalId: principal, resourceId: resource, appRoleId: permission.id, createdAt: now()))
        }
    }

    mutating func revokeConsent(tenantKey key: String, permissions: [GraphPermission]) {
        let ids = Set(permissions.map(\.id))
        let principal = tenants[key]!.appServicePrincipalId
        tenants[key]!.appRoleAssignments.removeAll { $0.principalId == principal && ids.contains($0.appRoleId) }
    }

    // MARK: Tokens

    private func signature(_ text: String) -> String {
        var bytes: [UInt8] = []
        for salt in ["a", "b", "c", "d"] {
            var value = DeterministicID.hash(signingKey, [text, salt])
            for _ in 0..<8 {
                bytes.append(UInt8(value & 0xff))
                value >>= 8
            }
        }
        return Base64URL.encode(bytes)
    }

    func encodeToken(_ claims: TokenClaims, servicePrincipalId: String) -> String {
        let header: SimulatorJSON = ["typ": "JWT", "alg": "RS256", "kid": "simulator"]
        var payload: [String: SimulatorJSON] = [
            "aud": .string(claims.audience), "iss": .string("https://sts.windows.net/\(claims.tenantId)/"),
            "tid": .string(claims.tenantId), "appid": .string(claims.appId), "oid": .string(servicePrincipalId),
            "sub": .string(servicePrincipalId), "idtyp": "app", "ver": "1.0",
            "iat": .integer(Int(claims.issuedAt)), "nbf": .integer(Int(claims.issuedAt)),
            "exp": .integer(Int(claims.expires)),
        ]
        if !claims.roles.isEmpty { payload["roles"] = .array(claims.roles.map { .string($0) }) }
        let body =
            Base64URL.encode(Array(header.serialized().utf8)) + "."
            + Base64URL.encode(Array(SimulatorJSON.object(payload).serialized().utf8))
        return body + "." + signature(body)
    }

    /// Checks the bearer token of a request: signature, lifetime and audience.
    func authenticate(_ request: SimRequest, audience: String) -> Result<TokenClaims, TokenProblem> {
        guard let header = request.headers["authorization"], header.lowercased().hasPrefix("bearer ") else {
            return .failure(.missing)
        }
        let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        // A token's signature and claims never change: checked once, remembered (the lock is held).
        let claims: TokenClaims
        if let known = verifiedTokens.claims[token] {
            claims = known
        } else {
            guard let parsed = Self.verify(token, signature: signature) else { return .failure(.malformed) }
            if verifiedTokens.claims.count >= 100_000 { verifiedTokens.claims.removeAll(keepingCapacity: true) }
            verifiedTokens.claims[token] = parsed
            claims = parsed
        }
        guard claims.expires > now().timeIntervalSince1970 else { return .failure(.expired) }
        guard claims.audience == audience else { return .failure(.wrongAudience) }
        return .success(claims)
    }

    /// The claims of a token this simulator signed, or `nil` when it is malformed or forged.
    private static func verify(_ token: String, signature: (String) -> String) -> TokenClaims? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, signature(parts[0] + "." + parts[1]) == parts[2],
            let payloadBytes = Base64URL.decode(parts[1]), let payload = SimulatorJSON.parse(payloadBytes),
            let aud = payload["aud"]?.stringValue, let tid = payload["tid"]?.stringValue,
            let exp = payload["exp"]?.intValue, let iat = payload["iat"]?.intValue
        else { return nil }
        let roles = payload["roles"]?.arrayValue?.compactMap(\.stringValue) ?? []
        return TokenClaims(
            audience: aud, tenantId: tid, appId: payload["appid"]?.stringValue ?? "", roles: roles,
            expires: Double(exp), issuedAt: Double(iat))
    }

    static func tokenProblemMessage(_ problem: TokenProblem) -> String {
        switch problem {
        case .missing: return "Access token is empty."
        case .malformed: return "Access token validation failure. Invalid signature or malformed token."
        case .expired: return "Lifetime validation failed, the token is expired."
        case .wrongAudience: return "Access token validation failure. Invalid audience."
        }
    }
}
