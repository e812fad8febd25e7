import Foundation
import TenantSimulator
import Testing

@Suite("Exchange Online admin API", .timeLimit(.minutes(2)))
struct ExchangeTests {
    static let inbound: SimulatorJSON = [
        "Name": "Proofpoint Essentials Inbound", "ConnectorType": "Partner", "SenderDomains": ["*"],
        "SenderIPAddresses": ["67.231.144.0/24", "67.231.145.0/24"], "RestrictDomainsToIPAddresses": true,
        "RequireTls": true, "Enabled": true,
    ]

    @Test("401 without Exchange.ManageAsApp, 403 without the Exchange Administrator role")
    func authorization() async throws {
        try await Harness.run { harness async throws in
            let graphToken = try await harness.consentedGraphToken()
            let noRole = try await harness.token(scope: "https://outlook.office365.com/.default")
            let unauthorized = try await harness.exchange("Get-InboundConnector", token: noRole)
            #expect(unauthorized.status == 401)
            // A Graph token is for another audience.
            #expect(try await harness.exchange("Get-InboundConnector", token: graphToken).status == 401)

            try harness.simulator.grantConsent([.exchangeManageAsApp])
            let withRole = try await harness.token(scope: "https://outlook.office365.com/.default")
            let forbidden = try await harness.exchange("Get-InboundConnector", token: withRole)
            #expect(forbidden.status == 403)
            let detail = forbidden.json?["error"]?["details"]?.arrayValue?.first?["message"]?.stringValue
            #expect(detail?.hasPrefix("|") == true)
        }
    }

    @Test("Exchange refuses the app until the propagation delay has passed since the assignments")
    func propagationDelay() async throws {
        try await Harness.run(.configured { $0.timings.exchangePropagationDelay = .seconds(600) }) {
            harness async throws in
            let token = try await harness.exchangeReadyToken()
            #expect(try await harness.exchange("Get-InboundConnector", token: token).status == 401)
            harness.simulator.advanceTime(by: .seconds(601))
            let ready = try await harness.exchange("Get-InboundConnector", token: token)
            #expect(ready.status == 200)
            #expect(ready.json == ["value": []])
        }
    }

    @Test("New-InboundConnector creates once; a repeat is 'already exists'; Get finds it by Identity")
    func inboundConnector() async throws {
        try await Harness.run { harness async throws in
            let token = try await harness.exchangeReadyToken()
            let created = try await harness.exchange("New-InboundConnector", Self.inbound, token: token)
            #expect(created.status == 200)
            #expect(created.json?["value"]?.arrayValue?.first?["Identity"] == "Proofpoint Essentials Inbound")
            let again = try await harness.exchange("New-InboundConnector", Self.inbound, token: token)
            #expect(again.status == 400)
            #expect(again.json?["error"]?["message"]?.stringValue?.contains("already exists") == false)
            let detail = again.json?["error"]?["details"]?.arrayValue?.first?["message"]?.stringValue ?? ""
            #expect(detail.contains("already exists"))
            let found = try await harness.exchange(
                "Get-InboundConnector", ["Identity": "Proofpoint Essentials Inbound"], token: token)
            #expect(found.json?["value"]?.arrayValue?.first?["RequireTls"] == true)
            let missing = try await harness.exchange("Get-InboundConnector", ["Identity": "Nope"], token: token)
            #expect(missing.status == 404)
            #expect(harness.simulator.snapshot().tenants[0].inboundConnectors.count == 1)
            #expect(harness.simulator.requestCount(.exchange, "POST", "New-InboundConnector") == 2)

            let set = try await harness.exchange(
                "Set-InboundConnector", ["Identity": "Proofpoint Essentials Inbound", "RequireTls": false], token: token
            )
            #expect(set.status == 200)
            #expect(harness.simulator.snapshot().tenants[0].inboundConnectors.first?["RequireTls"] == false)
        }
    }

    @Test("invalid parameters are refused with the reason in details[0].message")
    func invalidParameters() async throws {
        try await Harness.run { harness async throws in
            let token = try await harness.exchangeReadyToken()
            var wide = Self.inbound.objectValue!
            wide["SenderIPAddresses"] = ["148.163.128.0/19"]
            let tooWide = try await harness.exchange("New-InboundConnector", .object(wide), token: token)
            #expect(tooWide.status == 400)
            #expect(
                tooWide.json?["error"]?["details"]?.arrayValue?.first?["message"]?.stringValue?.hasPrefix(
                    "|System.ArgumentException|") == true)

            let outbound: SimulatorJSON = [
                "Name": "Proofpoint Essentials Outbound", "ConnectorType": "Partner", "RecipientDomains": ["*"],
                "UseMXRecord": false, "Enabled": false,
            ]
            let noSmartHosts = try await harness.exchange("New-OutboundConnector", outbound, token: token)
            #expect(noSmartHosts.status == 400)
            #expect(
                noSmartHosts.json?["error"]?["details"]?.arrayValue?.first?["message"]?.stringValue?.contains(
                    "SmartHosts") == true)
            var withHosts = outbound.objectValue!
            withHosts["SmartHosts"] = ["outbound-us1.ppe-hosted.com"]
            #expect(try await harness.exchange("New-OutboundConnector", .object(withHosts), token: token).status == 200)

            var long = Self.inbound.objectValue!
            long["Name"] = .string(String(repeating: "x", count: 65))
            #expect(try await harness.exchange("New-InboundConnector", .object(long), token: token).status == 400)

            let unknown = try await harness.exchange("Get-Mailbox", token: token)
            #expect(unknown.status == 400)
            #expect(
                unknown.json?["error"]?["details"]?.arrayValue?.first?["message"]?.stringValue?.contains(
                    "is not recognized as the name of a cmdlet") == true)

            let malformed = try await harness.exchangeRaw("{\"CmdletInput\":", token: token)
            #expect(malformed.status == 400)
            #expect(malformed.json?["error"]?["code"] != nil)
            #expect(harness.simulator.snapshot().tenants[0].inboundConnectors.isEmpty)
        }
    }

    @Test("transport rule state changes only through Enable-/Disable-TransportRule")
    func transportRules() async throws {
        try await Harness.run { harness async throws in
            let token = try await harness.exchangeReadyToken()
            let name = "Bypass Spam Filtering for Proofpoint Essentials"
            let rule: SimulatorJSON = ["Name": .string(name), "SenderIpRanges": ["67.231.144.0/24"], "SetSCL": -1]
            #expect(try await harness.exchange("New-TransportRule", rule, token: token).status == 200)
            let state = { () async throws -> SimulatorJSON? in
                try await harness.exchange("Get-TransportRule", ["Identity": .string(name)], token: token).json?[
                    "value"]?.arrayValue?.first?["State"]
            }
            #expect(try await state() == "Enabled")
            let set = try await harness.exchange(
                "Set-TransportRule", ["Identity": .string(name), "Enabled": false], token: token)
            #expect(set.status == 400)
            #expect(try await state() == "Enabled")
            #expect(
                try await harness.exchange("Disable-TransportRule", ["Identity": .string(name)], token: token).status
                    == 200)
            #expect(try await state() == "Disabled")
            #expect(
                try await harness.exchange("Enable-TransportRule", ["Identity": .string(name)], token: token).status
                    == 200)
            #expect(try await state() == "Enabled")
            #expect(
                try await harness.exchange(
                    "Set-TransportRule", ["Identity": .string(name), "SetSCL": -1], token: token
                ).status == 200)
        }
    }
}
