import AsyncHTTPClient
import Foundation
import Logging
import TenantSimulator
import Testing

@Suite("A simulator kept in a state file", .timeLimit(.minutes(2)))
struct StateFileTests {
    let folder: URL
    var path: String { folder.appendingPathComponent("tenant.json").path }
    let logger = Logger(label: "StateFileTests", factory: { _ in SwiftLogNoOpLogHandler() })

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("simulator-state-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    @Test func aSecondSimulatorOnTheSameFileMeetsTheSameTenant() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let configuration = SimulatorConfiguration()
        let first = try Simulator(configuration: configuration, stateFile: path, logger: logger)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600, "the file is written at once, owner-only")
        try await first.withRunning { endpoints in
            let harness = Harness(simulator: first, endpoints: endpoints, client: .shared)
            let token = try await harness.exchangeReadyToken()
            let created = try await harness.exchange("New-InboundConnector", ExchangeTests.inbound, token: token)
            #expect(created.status == 200)
            let relay = try await harness.essentials(
                "/orgs/contoso.com/domains", method: .POST, body: #"{"name":"mail.contoso.com","is_relay":true}"#)
            #expect(relay.status == 201, "\(relay.text)")
        }
        first.setTXTRecords(["v=spf1 include:_spf-us.ppe-hosted.com -all"], for: "contoso.com")
        let added = try first.addUser(displayName: "New Person", userPrincipalName: "new.person@contoso.com")
        let before = first.snapshot()

        let second = try Simulator(configuration: configuration, stateFile: path, logger: logger)
        let after = second.snapshot()
        let tenant = try #require(after.tenants.first)
        #expect(tenant.inboundConnectors == before.tenants.first?.inboundConnectors)
        #expect(tenant.inboundConnectors.count == 1)
        #expect(tenant.servicePrincipalId == before.tenants.first?.servicePrincipalId)
        #expect(tenant.grantedPermissions == before.tenants.first?.grantedPermissions)
        #expect(tenant.userCount == before.tenants.first?.userCount)
        #expect(after.essentialsOrganizations == before.essentialsOrganizations)
        #expect(after.dnsRecords["contoso.com"] == ["v=spf1 include:_spf-us.ppe-hosted.com -all"])
        // Ids keep counting where the first simulator stopped, so nothing new collides with the old.
        let next = try second.addUser(displayName: "Another", userPrincipalName: "another@contoso.com")
        #expect(next != added)
    }

    @Test func aChangeThatCannotBeSavedIsRefusedAndUndone() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let simulator = try Simulator(configuration: SimulatorConfiguration(), stateFile: path, logger: logger)
        try await simulator.withRunning { endpoints in
            let harness = Harness(simulator: simulator, endpoints: endpoints, client: .shared)
            // A directory where the temporary file goes: every save fails, even for root (as on a full disk).
            try FileManager.default.createDirectory(atPath: path + ".tmp", withIntermediateDirectories: false)
            let refused = try await harness.essentials(
                "/orgs/contoso.com/domains", method: .POST, body: #"{"name":"mail.contoso.com","is_relay":true}"#)
            #expect(refused.status == 503, "\(refused.text)")
            let listed = try await harness.essentials("/orgs/contoso.com/domains")
            #expect(!listed.text.contains("mail.contoso.com"), "the change was undone")

            try FileManager.default.removeItem(atPath: path + ".tmp")
            let added = try await harness.essentials(
                "/orgs/contoso.com/domains", method: .POST, body: #"{"name":"mail.contoso.com","is_relay":true}"#)
            #expect(added.status == 201, "\(added.text)")
        }
        let restarted = try Simulator(configuration: SimulatorConfiguration(), stateFile: path, logger: logger)
        #expect(restarted.snapshot().essentialsOrganizations.description.contains("mail.contoso.com"))
    }

    @Test func theConsentPagesGrantIsKeptThoughItIsAGet() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try Simulator(configuration: SimulatorConfiguration(), stateFile: path, logger: logger)
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))
        defer { _ = client.shutdown() }
        try await first.withRunning { endpoints in
            let harness = Harness(simulator: first, endpoints: endpoints, client: client)
            let page = try await harness.send(
                .GET,
                "\(endpoints.login)/\(harness.tenantId)/v2.0/adminconsent?client_id=\(harness.application.clientId)"
                    + "&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&redirect_uri=https%3A%2F%2Flocalhost%2Fconsent")
            #expect(page.status == 302)
            let reread = try Simulator(configuration: SimulatorConfiguration(), stateFile: path, logger: logger)
            #expect(reread.snapshot().tenants.first?.grantedPermissions.count == 9, "saved before the redirect")
            // Other reads save nothing: a save renames a new file into place, and a listing leaves the old one.
            let token = try await harness.token()
            func inode() throws -> Int? {
                try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int
            }
            let before = try inode()
            #expect(try await harness.graph("/users", token: token).status == 200)
            #expect(try inode() == before)
        }
    }

    @Test func aFileForAnotherSeedIsRefusedAndLeftAlone() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try Simulator(configuration: SimulatorConfiguration(), stateFile: path, logger: logger)
        let saved = try Data(contentsOf: URL(fileURLWithPath: path))
        var other = SimulatorConfiguration()
        other.seed = 99
        let error = try #require(throws: SimulatorError.self) {
            try Simulator(configuration: other, stateFile: path, logger: logger)
        }
        #expect(error.code == .stateFile)
        #expect(error.message.contains("seed 1, not 99"), "\(error.message)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == saved)
    }

    @Test func aMissingFileIsAnErrorWhenItMustExist() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = try #require(throws: SimulatorError.self) {
            try Simulator(configuration: SimulatorConfiguration(), stateFile: path, createIfMissing: false, logger: logger)
        }
        #expect(error.code == .stateFile)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func aFileThatIsNotStateIsRefusedAndLeftAlone() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        try "my notes".write(toFile: path, atomically: true, encoding: .utf8)
        let error = try #require(throws: SimulatorError.self) {
            try Simulator(configuration: SimulatorConfiguration(), stateFile: path, logger: logger)
        }
        #expect(error.code == .stateFile)
        #expect(error.message.contains("is not a TenantSimulator state file"))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "my notes")
    }
}
