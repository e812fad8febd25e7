import Foundation
import NIOHTTP1
import OnboardingEngine

/// Microsoft Graph v1.0: typed calls for the onboarding, paging, and errors mapped to sentences.
public struct GraphClient: Sendable {
    let http: ServiceHTTP
    let identity: IdentityClient
    let base: URL

    init(http: ServiceHTTP, identity: IdentityClient, endpoints: ServiceEndpoints) {
        self.http = http
        self.identity = identity
        self.base = endpoints.graph.appending(raw: "/v1.0")
    }

    // MARK: - Typed calls

    /// The service principal of the application with client id `appID`, if it exists (yet).
    public func servicePrincipal(appID: String) async throws -> ServicePrincipal? {
        let page: GraphPage<ServicePrincipal> = try await get("/servicePrincipals?$filter=" + queryEscaped("appId eq '\(appID)'"))
        return page.value.first
    }

    /// The app roles granted to `principal`.
    public func appRoleAssignments(of principal: String) async throws -> [AppRoleAssignment] {
        try await all("/servicePrincipals/\(principal)/appRoleAssignments")
    }

    /// Grants app role `appRole` of `resource` to `principal`. A repeat is treated as done.
    public func assignAppRole(principal: String, resource: String, appRole: String) async throws {
        let body = AppRoleAssignment(id: nil, principalId: principal, resourceId: resource, appRoleId: appRole)
        do {
            let _: AppRoleAssignment = try await post("/servicePrincipals/\(principal)/appRoleAssignments", body)
        } catch let error as ServiceError where error.code == .conflict || error.message.contains("already exists") {
            return
        }
    }

    /// Takes back app role assignment `assignment` of `principal`. One already gone is done.
    public func removeAppRoleAssignment(principal: String, assignment: String) async throws {
        do {
            let _: NoContent = try await request(.DELETE, "/servicePrincipals/\(principal)/appRoleAssignments/\(assignment)", body: nil)
        } catch let error as ServiceError where error.code == .notFound {
            return
        }
    }

    /// Removes directory role assignment `assignment`. One already gone is done.
    public func removeDirectoryRoleAssignment(_ assignment: String) async throws {
        do {
            let _: NoContent = try await request(.DELETE, "/roleManagement/directory/roleAssignments/\(assignment)", body: nil)
        } catch let error as ServiceError where error.code == .notFound {
            return
        }
    }

    /// The directory roles assigned to `principal`.
    public func directoryRoleAssignments(of principal: String) async throws -> [DirectoryRoleAssignment] {
        try await all("/roleManagement/directory/roleAssignments?$filter=" + queryEscaped("principalId eq '\(principal)'"))
    }

    /// Assigns directory role `roleDefinition` to `principal` at `/`. A duplicate ("conflicting object") is done.
    public func assignDirectoryRole(principal: String, roleDefinition: String) async throws {
        let body = DirectoryRoleAssignment(id: nil, principalId: principal, roleDefinitionId: roleDefinition, directoryScopeId: "/")
        do {
            let _: DirectoryRoleAssignment = try await post("/roleManagement/directory/roleAssignments", body)
        } catch let error as ServiceError where error.code == .conflict {
            return
        }
    }

    /// The tenant's domains.
    public func domains() async throws -> [GraphDomain] { try await all("/domains") }

    /// Moves a message; the moved message has a new id.
    public func moveMessage(user: String, message: String, destination: String) async throws -> GraphMessage {
        struct Move: Encodable { var destinationId: String }
        return try await post("/users/\(user)/messages/\(message)/move", Move(destinationId: destination))
    }

    // MARK: - Paging

    /// One page: the first (a `path` relative to v1.0, starting with `/`) or a `nextLink`/`deltaLink`
    /// from an earlier page.
    ///
    /// - Throws: ``ServiceError`` `invalidResponse` when a link is not on Graph's host or a page
    ///   links to itself, so a broken answer cannot loop the sync or send the token elsewhere.
    ///
    /// The page's `nextLink` and `deltaLink` are checked before it is returned, and given back as
    /// cursors relative to v1.0 (`/users/delta?$skiptoken=…`) when they are on Graph's endpoint:
    /// a caller that saves one as a checkpoint saves only a link that can be followed, and one
    /// that still works when the endpoint's port changes (a restarted simulator).
    public func page<Element: Decodable & Sendable>(_ pathOrLink: String, of type: Element.Type = Element.self) async throws
        -> GraphPage<Element>
    {
        var page: GraphPage<Element> = try await get(pathOrLink)
        page.nextLink = try page.nextLink.map { try cursor($0) }
        page.deltaLink = try page.deltaLink.map { try cursor($0) }
        if let next = page.nextLink, next == pathOrLink || base.appending(raw: next).absoluteString == pathOrLink {
            throw ServiceError(
                .invalidResponse, service: .graph,
                message: "Microsoft Graph answered a page with a link to the same page; the listing was stopped rather than repeated.")
        }
        return page
    }

    /// A link Graph gave as a cursor relative to v1.0, after checking it may be followed.
    ///
    /// - Throws: ``ServiceError`` `invalidResponse` for a link to another server or not a URL.
    public func cursor(_ link: String) throws -> String {
        if link.hasPrefix("/") { return link }
        let url = try base.followable(link, from: .graph, redactor: http.redactor)
        let prefix = base.absoluteString
        let text = url.absoluteString
        return text.hasPrefix(prefix + "/") || text.hasPrefix(prefix + "?") ? String(text.dropFirst(prefix.count)) : text
    }

    /// Whether `cursor` (a saved page link) may still be followed: a path, or a link on Graph's endpoint.
    public func canFollow(_ cursor: String) -> Bool {
        (try? self.cursor(cursor)) != nil
    }

    /// Every item of a collection, following `@odata.nextLink`, within ``ServiceLimits``.
    ///
    /// - Throws: ``ServiceError`` `invalidResponse` for links that go round in a circle or leave
    ///   Graph, `limitExceeded` past ``ServiceLimits/maxPages`` or ``ServiceLimits/maxItems``.
    public func all<Element: Decodable & Sendable>(_ path: String) async throws -> [Element] {
        var items: [Element] = []
        var seen: Set<String> = []
        var next: String? = path
        var pages = 0
        while let link = next {
            guard seen.insert(link).inserted else {
                throw ServiceError(
                    .invalidResponse, service: .graph,
                    message: "Microsoft Graph's next-page links went round in a circle; the listing was stopped.")
            }
            try http.limits.checkListing(of: path, pages: pages, items: items.count, service: .graph)
            let page: GraphPage<Element> = try await self.page(link)
            pages += 1
            items += page.value
            next = page.nextLink
        }
        return items
    }

    // MARK: - Requests

    func get<T: Decodable>(_ pathOrLink: String) async throws -> T {
        try await request(.GET, pathOrLink, body: nil)
    }

    func post<Body: Encodable, T: Decodable>(_ path: String, _ body: Body) async throws -> T {
        try await request(.POST, path, body: Array(try JSONEncoder().encode(body)))
    }

    private func request<T: Decodable>(_ method: HTTPMethod, _ pathOrLink: String, body: [UInt8]?) async throws -> T {
        do {
            return try await exchange(method, pathOrLink, body: body)
        } catch let error as ServiceError {
            throw error.scrubbed(by: http.redactor)
        }
    }

    private func exchange<T: Decodable>(_ method: HTTPMethod, _ pathOrLink: String, body: [UInt8]?) async throws -> T {
        // A path of ours starts with "/"; anything else is a link Graph gave, checked before following.
        let url =
            pathOrLink.hasPrefix("/")
            ? base.appending(raw: pathOrLink) : try base.followable(pathOrLink, from: .graph, redactor: http.redactor)
        var fresh = false
        while true {
            let token = try await identity.token(for: .graph, fresh: fresh)
            var headers = [("Authorization", "Bearer \(token.value)"), ("Accept", "application/json")]
            if body != nil { headers.append(("Content-Type", "application/json")) }
            // 409 Directory_ConcurrencyViolation is transient too.
            let answer = try await http.send(method, url, headers: headers, body: body, service: .graph, retryStatuses: [429, 503, 409])
            if (200..<300).contains(answer.status) {
                return try answer.decode(T.self, service: .graph, redactor: http.redactor)
            }
            let error = GraphClient.error(answer, redactor: http.redactor)
            // A token that expired mid-run (or whose roles changed) is renewed once.
            if answer.status == 401 && !fresh {
                fresh = true
                http.logger.debug("graph refused the token, renewing it", metadata: ["url.path": "\(url.path)"])
                continue
            }
            throw error
        }
    }

    /// Maps a Graph error body to a ``ServiceError``.
    static func error(_ answer: HTTPAnswer, redactor: SecretRedactor) -> ServiceError {
        struct Body: Decodable { struct Inner: Decodable { var code: String?; var message: String? }; var error: Inner? }
        let body = try? JSONDecoder().decode(Body.self, from: Data(answer.body))
        let code = body?.error?.code.map { redactor.excerpt($0, limit: 80) }
        let message =
            body?.error?.message.map { redactor.excerpt($0) }
            ?? "HTTP \(answer.status) with a body that is not Graph's error JSON: \(redactor.excerpt(answer.body, limit: 200))"
        let kind: ServiceError.Code
        switch answer.status {
        case 401: kind = .unauthorized
        case 403: kind = .forbidden
        case 404: kind = .notFound
        case 410: kind = .syncStateNotFound
        case 429, 503, 409: kind = .transient
        case 400 where message.contains("conflicting object") || message.contains("already exists"): kind = .conflict
        case 500...: kind = .transient
        default: kind = .badRequest
        }
        return ServiceError(
            kind, service: .graph, status: answer.status, serviceCode: code, message: "Microsoft Graph: \(message)",
            retryAfter: answer.retryAfter)
    }
}
