import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import TenantSimulator
import Testing

/// A running simulator plus an HTTP client pointed at it, torn down after each test.
struct Harness {
    struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var text: String
        var json: SimulatorJSON? { SimulatorJSON.parse(Array(text.utf8)) }
    }

    let simulator: Simulator
    let endpoints: SimulatorEndpoints
    let client: HTTPClient

    static func run(
        _ configuration: SimulatorConfiguration = SimulatorConfiguration(),
        _ body: (Harness) async throws -> Void
    ) async throws {
        // Quiet by default; SIMULATOR_TEST_LOGS=1 shows the simulator's and Hummingbird's messages.
        var logger = Logger(label: "TenantSimulatorTests")
        logger.logLevel = ProcessInfo.processInfo.environment["SIMULATOR_TEST_LOGS"] == nil ? .critical : .debug
        try await Simulator.withRunning(configuration: configuration, logger: logger) { simulator, endpoints in
            var clientConfiguration = HTTPClient.Configuration(redirectConfiguration: .disallow)
            clientConfiguration.timeout = .init(connect: .seconds(5), read: .seconds(20))
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
            do {
                try await body(Harness(simulator: simulator, endpoints: endpoints, client: client))
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
    }

    var application: SimulatedApplication { simulator.configuration.application }
    var tenantId: String { (try? simulator.tenantId()) ?? "" }

    func send(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], body: String? = nil
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await client.execute(request, timeout: .seconds(20))
        let bytes = try await response.body.collect(upTo: 64 * 1024 * 1024)
        return Answer(status: Int(response.status.code), headers: response.headers, text: String(buffer: bytes))
    }

    func tokenAnswer(
        scope: String = "https://graph.microsoft.com/.default", secret: String? = nil, clientId: String? = nil
    ) async throws -> Answer {
        let form = [
            ("client_id", clientId ?? application.clientId), ("client_secret", secret ?? application.clientSecret),
            ("scope", scope), ("grant_type", "client_credentials"),
        ].map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0.1)" }
            .joined(separator: "&")
        return try await send(
            .POST, "\(endpoints.login)/\(tenantId)/oauth2/v2.0/token",
            headers: [("Content-Type", "application/x-www-form-urlencoded")], body: form)
    }

    func token(scope: String = "https://graph.microsoft.com/.default") async throws -> String {
        let answer = try await tokenAnswer(scope: scope)
        guard answer.status == 200, let token = answer.json?["access_token"]?.stringValue else {
            throw HarnessError(message: "token request failed: \(answer.status) \(answer.text)")
        }
        return token
    }

    func graph(_ path: String, method: HTTPMethod = .GET, token: String, body: String? = nil) async throws -> Answer {
        let url = path.hasPrefix("http") ? path : "\(endpoints.graph)/v1.0\(path)"
        return try await send(
            method, url, headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")],
            body: body)
    }

    func exchange(_ cmdlet: String, _ parameters: SimulatorJSON = [:], token: String) async throws -> Answer {
        let body: SimulatorJSON = ["CmdletInput": ["CmdletName": .string(cmdlet), "Parameters": parameters]]
        return try await exchangeRaw(body.serialized(), token: token)
    }

    func exchangeRaw(_ body: String, token: String) async throws -> Answer {
        try await send(
            .POST, "\(endpoints.exchange)/adminapi/beta/\(tenantId)/InvokeCommand",
            headers: [
                ("Authorization", "Bearer \(token)"), ("Content-Type", "application/json"),
                ("X-AnchorMailbox", "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@\(tenantId)"),
            ], body: body)
    }

    func essentials(
        _ path: String, method: HTTPMethod = .GET, body: String? = nil,
        user: String = "admin@msp.example", password: String = "essentials-password"
    ) async throws -> Answer {
        try await send(
            method, "\(endpoints.essentials)/api/v1\(path)",
            headers: [("X-User", user), ("X-Password", password), ("Content-Type", "application/json")], body: body)
    }

    /// Consents to every Graph permission, then gets a Graph token.
    func consentedGraphToken() async throws -> String {
        try simulator.grantConsent(GraphPermission.allGraph)
        return try await token()
    }

    /// Makes the application a working Exchange administrator and returns an Exchange token.
    func exchangeReadyToken() async throws -> String {
        let graphToken = try await consentedGraphToken()
        try simulator.grantConsent([.exchangeManageAsApp])
        let principal = try #require(simulator.snapshot().tenants.first?.servicePrincipalId)
        let body: SimulatorJSON = [
            "principalId": .string(principal), "roleDefinitionId": "29232cdf-9323-42fd-ade2-1d097af3e4de",
            "directoryScopeId": "/",
        ]
        let answer = try await graph(
            "/roleManagement/directory/roleAssignments", method: .POST, token: graphToken, body: body.serialized())
        guard answer.status == 201 else { throw HarnessError(message: "role assignment failed: \(answer.text)") }
        return try await token(scope: "https://outlook.office365.com/.default")
    }

    /// The decoded payload of a JWT-shaped token.
    static func claims(_ token: String) -> SimulatorJSON? {
        let parts = token.split(separator: ".")
        guard parts.count == 3 else { return nil }
        var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64) else { return nil }
        return SimulatorJSON.parse(Array(data))
    }
}

extension SimulatorConfiguration {
    /// The default configuration with `change` applied.
    static func configured(_ change: (inout SimulatorConfiguration) -> Void) -> SimulatorConfiguration {
        var configuration = SimulatorConfiguration()
        change(&configuration)
        return configuration
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
