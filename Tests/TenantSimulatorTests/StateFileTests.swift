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
        let first = try TenantSimulator(configuration: configuration, stateFile: path, logger: logger)
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

        let second = try TenantSimulator(configuration: configuration, stateFile: path, logger: logger)
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

    @Test func aFileForAnotherSeedIsRefusedAndLeftAlone() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try TenantSimulator(configuration: SimulatorConfiguration(), stateFile: path, logger: logger)
        let saved = try Data(contentsOf: URL(fileURLWithPath: path))
        var other = SimulatorConfiguration()
        other.seed = 99
        let error = try #require(throws: SimulatorError.self) {
            try TenantSimulator(configuration: other, stateFile: path, logger: logger)
        }
        #expect(error.code == .stateFile)
        #expect(error.message.contains("seed 1, not 99"), "\(error.message)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == saved)
    }

    @Test func aFileThatIsNotStateIsRefusedAndLeftAlone() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        try "my notes".write(toFile: path, atomically: true, encoding: .utf8)
        let error = try #require(throws: SimulatorError.self) {
            try TenantSimulator(configuration: SimulatorConfiguration(), stateFile: path, logger: logger)
        }
        #expect(error.code == .stateFile)
        #expect(error.message.contains("is not a TenantSimulator state file"))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "my notes")
    }
}
