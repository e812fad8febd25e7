import EssentialsOnboarding
import EssentialsOnboardingTesting
import Foundation
import OnboardingEngine
import Testing
import TenantSimulator

/// What the guide leaves out and the field needs: no gate on a change nobody can make, no step
/// that cuts a tenant's inbound mail.
@Suite("Field safety: Microsoft's own domains and a safe inbound connector", .timeLimit(.minutes(2)))
struct FieldSafetyTests {
    @Test func aTenantWithOnlyItsOnMicrosoftDomainCompletesWithNoDNSWait() async throws {
        var seed = SimulatorConfiguration.default
        seed.tenants[0].domains = [SimulatedDomain(name: "contoso.onmicrosoft.com", isDefault: true, isInitial: true)]
        try await SimulatedTenant.with(seed) { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph)
            // No SPF record includes Essentials anywhere, and nobody confirms anything.
            let result = try await tenant.engine.start(
                tenant.graph, id: "r", input: tenant.input, options: RunOptions(maxIdleWait: .seconds(5)))
            #expect(result.state == .succeeded, "\(result.tasks.filter { $0.state != .succeeded }.map { "\($0.id) \($0.state) \($0.park?.message ?? "")" })")
            #expect(try result.task("import-domains")?.decodeOutput(as: ImportDomains.Output.self)?.domains == [])
            #expect((tenant.simulator.snapshot().routeCounts["dns QUERY TXT"] ?? 0) == 0, "no SPF lookup for a domain nobody can change")
        }
    }

    @Test func microsoftDomainsAreImportedWhenTheHostAsks() async throws {
        var configuration = SimulatedTenant.configuration
        configuration.importMicrosoftDomains = true
        try await SimulatedTenant.with(configuration: configuration) { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph)
            let plan = try await tenant.engine.plan(tenant.graph, input: tenant.input)
            let changes = plan.entries.first { $0.id == "import-domains" }?.observation?.changes ?? []
            #expect(changes.contains("add domain contoso.onmicrosoft.com to Essentials (relay off)"), "\(changes)")
        }
    }

    @Test(arguments: [EnhancedFiltering.skipEssentialsRanges, .skipLastIP])
    func theInboundConnectorNeverRestrictsInboundMailAndFiltersTheRealSender(_ filtering: EnhancedFiltering) async throws {
        var configuration = SimulatedTenant.configuration
        configuration.enhancedFiltering = filtering
        try await SimulatedTenant.with(configuration: configuration) { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph)
            let parked = try await tenant.engine.start(
                tenant.graph, id: "r", input: tenant.input, options: RunOptions(maxIdleWait: .zero))
            #expect(parked.task("inbound-connector")?.state == .succeeded)
            let connector = { tenant.simulator.snapshot().tenants[0].inboundConnectors.first ?? [:] }
            let list = { (name: String) -> [String] in (connector()[name]?.arrayValue ?? []).compactMap(\.stringValue) }
            #expect(connector()["RestrictDomainsToIPAddresses"]?.boolValue == false, "inbound mail is not locked to Essentials")
            switch filtering {
            case .skipEssentialsRanges:
                #expect(connector()["EFSkipLastIP"]?.boolValue == false)
                #expect(list("EFSkipIPs").count == configuration.connectorIPRanges.count)
            default:
                #expect(connector()["EFSkipLastIP"]?.boolValue == true)
                #expect(list("EFSkipIPs").isEmpty)
            }
            #expect(list("EFUsers").isEmpty, "every recipient")

            // An admin (or an earlier version) locks it down before MX points at Essentials: a
            // re-run lifts the lock, as it corrects any drift.
            _ = try await tenant.services.exchange.invoke(
                "Set-InboundConnector",
                ["Identity": .string(configuration.inboundConnectorName), "RestrictDomainsToIPAddresses": true, "EFSkipIPs": []])
            try await tenant.engine.retry(from: "inbound-connector", in: "r", actor: "support")
            _ = try await tenant.engine.resume("r", graph: tenant.graph, options: ResumeOptions(maxIdleWait: .zero))
            #expect(connector()["RestrictDomainsToIPAddresses"]?.boolValue == false)
            if filtering == .skipEssentialsRanges {
                #expect(list("EFSkipIPs").count == configuration.connectorIPRanges.count)
            }
        }
    }

    @Test func exchangeRefusesWhatRealExchangeRefuses() async throws {
        try await SimulatedTenant.with { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph)
            _ = try await tenant.engine.start(tenant.graph, id: "r", input: tenant.input, options: RunOptions(maxIdleWait: .zero))
            let misspelled = try await #require(throws: ServiceError.self) {
                _ = try await tenant.services.exchange.invoke(
                    "New-InboundConnector", ["Name": "X", "ConnectorType": "Partner", "SenderIPAdresses": ["1.2.3.4"]])
            }
            #expect(misspelled.message.contains("SenderIPAdresses"), "\(misspelled)")
            let both = try await #require(throws: ServiceError.self) {
                _ = try await tenant.services.exchange.invoke(
                    "New-InboundConnector",
                    ["Name": "Y", "ConnectorType": "Partner", "EFSkipIPs": ["1.2.3.0/24"], "EFSkipLastIP": true])
            }
            #expect(both.message.contains("EFSkipLastIP"), "\(both)")
            // Transport rules too: a misspelled condition, a header without its value, an extra parameter to Remove-.
            for (cmdlet, parameters, named) in [
                ("New-TransportRule", ["Name": "Z", "ExceptIfSenderIPRange": ["1.2.3.0/24"]] as [String: JSONValue], "ExceptIfSenderIPRange"),
                ("New-TransportRule", ["Name": "Z", "SetHeaderName": "X-A"], "SetHeaderValue"),
                ("New-TransportRule", ["Name": "Z", "ExceptIfSenderIpRanges": ["1.2.3"]], "1.2.3"),
                ("Remove-TransportRule", ["Identity": .string(SimulatedTenant.configuration.bypassRuleName), "Force": true], "Force"),
            ] {
                let refused = try await #require(throws: ServiceError.self) {
                    _ = try await tenant.services.exchange.invoke(cmdlet, parameters)
                }
                #expect(refused.message.contains(named), "\(cmdlet): \(refused)")
            }
            #expect(tenant.simulator.snapshot().tenants[0].transportRules.count == 1, "only the workflow's own")
            #expect(tenant.simulator.snapshot().tenants[0].inboundConnectors.count == 1, "only the workflow's own")
        }
    }
}

@Suite("Admin consent: a state of its own per run", .timeLimit(.minutes(1)))
struct ConsentStateTests {
    /// The consent link's `state` in a parked admin-consent's message.
    static func state(_ result: RunResult) throws -> String {
        let message = try #require(result.task("admin-consent")?.park?.message)
        let link = try #require(message.split(separator: " ").first { $0.contains("/adminconsent?") })
        let items = URLComponents(string: String(link))?.queryItems ?? []
        return try #require(items.first { $0.name == "state" }?.value)
    }

    @Test func eachRunHasItsOwnNonceKeptAcrossReChecksAndAnotherRunsRedirectIsRefused() async throws {
        try await SimulatedTenant.with { tenant in
            // No consent yet: both runs wait on admin-consent.
            let first = try await tenant.engine.start(tenant.graph, id: "a", input: tenant.input, options: RunOptions(maxIdleWait: .zero))
            let second = try await tenant.engine.start(tenant.graph, id: "b", input: tenant.input, options: RunOptions(maxIdleWait: .zero))
            let a = try Self.state(first)
            let b = try Self.state(second)
            #expect(a != b, "a state per run")
            #expect(a.count >= 16 && a != "onboarding", "a random nonce: \(a)")
            let again = try await tenant.engine.resume("a", graph: tenant.graph, options: ResumeOptions(maxIdleWait: .zero))
            #expect(try Self.state(again) == a, "the same link on every re-check")
            // A redirect carrying run b's state is not accepted for run a.
            let forged = try #require(URL(string: "https://localhost/consent?tenant=t&admin_consent=True&state=\(b)"))
            #expect(throws: ServiceError.self) { _ = try IdentityClient.checkConsentRedirect(forged, expectedState: a) }
            let genuine = try #require(URL(string: "https://localhost/consent?tenant=t&admin_consent=True&state=\(a)"))
            #expect(try IdentityClient.checkConsentRedirect(genuine, expectedState: a) == "t")
        }
    }
}
