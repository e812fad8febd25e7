import Foundation
import NIOHTTP1
import OnboardingEngine

/// The Proofpoint Essentials API v1 for one organization, with `X-User`/`X-Password` auth.
public struct EssentialsClient: Sendable {
    let http: ServiceHTTP
    let base: URL
    private let user: String
    private let password: String

    init(http: ServiceHTTP, endpoints: ServiceEndpoints, credentials: OnboardingCredentials) {
        self.http = http
        self.base = endpoints.essentials.appending(raw: "/api/v1")
        self.user = credentials.essentialsUser
        self.password = credentials.essentialsPassword
    }

    /// An Essentials organization.
    public struct Org: Codable, Sendable, Hashable {
        public var primary_domain: String
        public var name: String?
        public var region: String?
        public var parent_domain: String?
    }

    /// A domain of an organization.
    public struct Domain: Codable, Sendable, Hashable {
        public var name: String
        public var is_relay: Bool?
        public var is_active: Bool?
    }

    /// The features the org is entitled to.
    public func features(org: String) async throws -> [String] {
        struct Answer: Decodable { var features: [String] }
        let answer: Answer = try await request(.GET, "/orgs/\(org)/features")
        return answer.features
    }

    /// The org's child organizations.
    public func childOrgs(of org: String) async throws -> [Org] {
        struct Answer: Decodable { var orgs: [Org] }
        let answer: Answer = try await request(.GET, "/orgs/\(org)/orgs")
        return answer.orgs
    }

    /// The org's domains.
    public func domains(org: String) async throws -> [Domain] {
        struct Answer: Decodable { var domains: [Domain] }
        let answer: Answer = try await request(.GET, "/orgs/\(org)/domains")
        return answer.domains
    }

    /// Adds a domain (relay off unless asked). A domain already there is left as it is.
    public func addDomain(org: String, name: String, relay: Bool = false) async throws {
        struct Body: Encodable { var name: String; var is_relay: Bool }
        do {
            let _: JSONValue = try await request(.POST, "/orgs/\(org)/domains", Body(name: name, is_relay: relay))
        } catch let error as ServiceError where error.code == .conflict {
            return
        }
    }

    /// Removes a domain from the org. One already gone is done.
    public func removeDomain(org: String, name: String) async throws {
        do {
            let _: NoContent = try await request(.DELETE, "/orgs/\(org)/domains/\(name)")
        } catch let error as ServiceError where error.code == .notFound {
            return
        }
    }

    /// Sets a domain's relay flag.
    public func setRelay(org: String, domain: String, relay: Bool) async throws {
        struct Body: Encodable { var is_relay: Bool }
        let _: JSONValue = try await request(.PUT, "/orgs/\(org)/domains/\(domain)", Body(is_relay: relay))
    }

    /// The org's Azure directory-sync settings.
    public func azureSettings(org: String) async throws -> [String: JSONValue] {
        try await request(.GET, "/orgs/\(org)/settings/azure")
    }

    /// Merges `settings` into the org's Azure directory-sync settings.
    public func updateAzureSettings(org: String, _ settings: [String: JSONValue]) async throws {
        let _: JSONValue = try await request(.PUT, "/orgs/\(org)/settings/azure", settings)
    }

    /// Whether the org lets its customers use integrations.
    public func allowsCustomerIntegrations(org: String) async throws -> Bool {
        struct Answer: Decodable { var allow_customers_to_use_integrations: Bool }
        let answer: Answer = try await request(.GET, "/orgs/\(org)/settings/integrations")
        return answer.allow_customers_to_use_integrations
    }

    /// Sets whether the org lets its customers use integrations.
    public func setAllowsCustomerIntegrations(org: String, _ allow: Bool) async throws {
        let _: JSONValue = try await request(
            .PUT, "/orgs/\(org)/settings/integrations", ["allow_customers_to_use_integrations": JSONValue.bool(allow)])
    }

    /// Adds many users in one call; those already there are left as they are.
    ///
    /// - Returns: how many were created and how many existed.
    public func addUsers(org: String, _ users: [(email: String, name: String?)]) async throws -> (created: Int, existing: Int) {
        struct Body: Encodable {
            struct User: Encodable { var primary_email: String; var name: String? }
            var users: [User]
        }
        struct Answer: Decodable { var created: Int; var existing: Int }
        let answer: Answer = try await request(
            .POST, "/orgs/\(org)/users", Body(users: users.map { Body.User(primary_email: $0.email, name: $0.name) }))
        return (answer.created, answer.existing)
    }

    // MARK: - Requests

    func request<T: Decodable>(_ method: HTTPMethod, _ path: String) async throws -> T {
        try await send(method, path, body: nil)
    }

    func request<Body: Encodable, T: Decodable>(_ method: HTTPMethod, _ path: String, _ body: Body) async throws -> T {
        try await send(method, path, body: Array(try JSONEncoder().encode(body)))
    }

    private func send<T: Decodable>(_ method: HTTPMethod, _ path: String, body: [UInt8]?) async throws -> T {
        do {
            return try await exchange(method, path, body: body)
        } catch let error as ServiceError {
            throw error.scrubbed(by: http.redactor)
        }
    }

    private func exchange<T: Decodable>(_ method: HTTPMethod, _ path: String, body: [UInt8]?) async throws -> T {
        var headers = [("X-User", user), ("X-Password", password), ("Accept", "application/json")]
        if body != nil { headers.append(("Content-Type", "application/json")) }
        let answer = try await http.send(method, base.appending(raw: path), headers: headers, body: body, service: .essentials)
        let redactor = http.redactor
        guard (200..<300).contains(answer.status) else {
            let error = try? JSONDecoder().decode(EssentialsErrorBody.self, from: Data(answer.body))
            let text = redactor.excerpt(
                error?.message ?? error?.error
                    ?? (answer.body.isEmpty ? "HTTP \(answer.status)" : "HTTP \(answer.status): \(String(decoding: answer.body.prefix(16 * 1024), as: UTF8.self))"))
            let kind: ServiceError.Code =
                switch answer.status {
                case 401: .unauthorized
                case 403: .forbidden
                case 404: .notFound
                case 409: .conflict
                case 429, 500...: .transient
                default: .badRequest
                }
            let advice = answer.status == 401 ? " Check the Essentials admin address and password the host supplies." : ""
            throw ServiceError(
                kind, service: .essentials, status: answer.status, serviceCode: error?.error.map { redactor.excerpt($0, limit: 80) },
                message: "Essentials: \(text).\(advice)", retryAfter: answer.retryAfter)
        }
        if answer.body.isEmpty, let empty = JSONValue.null as? T { return empty }
        return try answer.decode(T.self, service: .essentials, redactor: redactor)
    }
}

/// Essentials' error shape.
struct EssentialsErrorBody: Decodable {
    var error: String?
    var message: String?
}
