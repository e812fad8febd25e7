import Foundation
import OnboardingEngine

/// The Exchange Online admin API: cmdlets over REST (`InvokeCommand`), with the useful error text extracted.
public struct ExchangeClient: Sendable {
    let http: ServiceHTTP
    let identity: IdentityClient
    let url: URL
    let anchor: String
    /// The retry-after given to 401/403 while the app's Exchange roles take effect.
    let propagationRetry: Duration

    init(http: ServiceHTTP, identity: IdentityClient, endpoints: ServiceEndpoints, tenantID: String, propagationRetry: Duration) {
        self.propagationRetry = propagationRetry
        self.http = http
        self.identity = identity
        self.url = endpoints.exchange.appending(raw: "/adminapi/beta/\(tenantID)/InvokeCommand")
        self.anchor = "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@\(tenantID)"
    }

    /// Runs `cmdlet` with `parameters` and returns the objects it answered.
    ///
    /// - Throws: ``ServiceError``. 401 and 403 (the app's Exchange roles not yet effective, which
    ///   takes minutes after assignment) are transient, retried after the services' `exchangePropagationRetry`.
    public func invoke(_ cmdlet: String, _ parameters: [String: JSONValue] = [:]) async throws -> [JSONValue] {
        do {
            return try await run(cmdlet, parameters)
        } catch let error as ServiceError {
            throw error.scrubbed(by: http.redactor)
        }
    }

    private func run(_ cmdlet: String, _ parameters: [String: JSONValue]) async throws -> [JSONValue] {
        struct Input: Encodable {
            struct Cmdlet: Encodable { var CmdletName: String; var Parameters: [String: JSONValue] }
            var CmdletInput: Cmdlet
        }
        let body = Array(try JSONEncoder().encode(Input(CmdletInput: .init(CmdletName: cmdlet, Parameters: parameters))))
        var fresh = false
        var objects: [JSONValue] = []
        var next: URL? = url
        var seen: Set<URL> = [url]
        var pages = 0
        while let target = next {
            try http.limits.checkListing(of: cmdlet, pages: pages, items: objects.count, service: .exchange)
            let token = try await identity.token(for: .exchange, fresh: fresh)
            let answer = try await http.send(
                .POST, target,
                headers: [
                    ("Authorization", "Bearer \(token.value)"), ("Content-Type", "application/json"),
                    ("X-AnchorMailbox", anchor),
                ],
                body: body, service: .exchange)
            if answer.status == 401 && !fresh {
                fresh = true  // the role may have been granted since this token was issued
                http.logger.debug("exchange refused the token, renewing it", metadata: ["cmdlet": "\(cmdlet)"])
                continue
            }
            guard (200..<300).contains(answer.status) else {
                if answer.status == 401 || answer.status == 403 {
                    http.logger.info(
                        "exchange does not accept the application yet",
                        metadata: ["cmdlet": "\(cmdlet)", "http.status": "\(answer.status)", "retry_after_s": "\(propagationRetry.timeInterval)"])
                }
                throw ExchangeClient.error(answer, cmdlet: cmdlet, propagationRetry: propagationRetry, redactor: http.redactor)
            }
            struct Output: Decodable {
                var value: [JSONValue]?
                var nextLink: String?
                enum CodingKeys: String, CodingKey { case value; case nextLink = "@odata.nextLink" }
            }
            let output = try answer.decode(Output.self, service: .exchange, redactor: http.redactor)
            pages += 1
            objects += output.value ?? []
            next = try output.nextLink.map { try url.followable($0, from: .exchange, redactor: http.redactor) }
            if let next, !seen.insert(next).inserted {
                throw ServiceError(
                    .invalidResponse, service: .exchange,
                    message: "Exchange Online's next-page links for \(cmdlet) went round in a circle; the listing was stopped.")
            }
        }
        try http.limits.checkListing(of: cmdlet, pages: 0, items: objects.count, service: .exchange)
        return objects
    }

    /// Maps an Exchange error to a ``ServiceError`` whose message is the cmdlet's own words.
    static func error(_ answer: HTTPAnswer, cmdlet: String, propagationRetry: Duration, redactor: SecretRedactor) -> ServiceError {
        struct Body: Decodable {
            struct Detail: Decodable { var message: String? }
            struct Inner: Decodable { var code: String?; var message: String?; var details: [Detail]? }
            var error: Inner?
        }
        let body = try? JSONDecoder().decode(Body.self, from: Data(answer.body))
        var text = body?.error?.details?.first?.message ?? body?.error?.message ?? ""
        // Details look like "|System.ArgumentException|The value ...": keep the sentence.
        if text.hasPrefix("|"), let end = text.dropFirst().firstIndex(of: "|") {
            text = String(text[text.index(after: end)...])
        }
        if body == nil && !answer.body.isEmpty { text = "an answer that is not Exchange's error JSON: \(String(decoding: answer.body.prefix(16 * 1024), as: UTF8.self))" }
        text = redactor.excerpt(text)
        let serviceCode = body?.error?.code.map { redactor.excerpt($0, limit: 80) }
        switch answer.status {
        case 401, 403:
            return ServiceError(
                .transient, service: .exchange, status: answer.status, serviceCode: serviceCode,
                message: "Exchange Online does not accept the application yet (HTTP \(answer.status)): its Exchange.ManageAsApp role or Exchange Administrator role has not taken effect. This can take many minutes after they are assigned; it will be tried again.",
                retryAfter: propagationRetry)
        case 404:
            return ServiceError(.notFound, service: .exchange, status: 404, message: "\(cmdlet): \(text)")
        case 429, 500...:
            return ServiceError(
                .transient, service: .exchange, status: answer.status, message: "\(cmdlet): \(text.isEmpty ? "HTTP \(answer.status)" : text)",
                retryAfter: answer.retryAfter)
        default:
            let kind: ServiceError.Code = text.contains("already exists") ? .conflict : .badRequest
            return ServiceError(
                kind, service: .exchange, status: answer.status, serviceCode: serviceCode,
                message: "\(cmdlet) was refused: \(text.isEmpty ? "HTTP \(answer.status)" : text)")
        }
    }
}
