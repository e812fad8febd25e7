import EssentialsOnboarding
import EssentialsOnboardingTesting
import Foundation
import OnboardingEngine
import Testing
import TenantSimulator

@Suite("Drift: what an admin changed after onboarding, found and corrected", .timeLimit(.minutes(2)))
struct DriftTests {
    @Test func aDisabledConnectorAndADeletedRuleAreReportedThenCorrected() async throws {
        try await SimulatedTenant.with { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph)
            _ = try await tenant.engine.start(tenant.graph, id: "r", input: tenant.input, options: RunOptions(maxIdleWait: .zero))
            try await tenant.playTheAdmin(run: "r")
            let done = try await tenant.engine.resume("r", graph: tenant.graph, options: ResumeOptions(maxIdleWait: .seconds(5)))
            #expect(done.state == .succeeded)
            #expect(try await tenant.engine.drift(tenant.graph, run: "r").drifted.isEmpty, "a fresh onboarding has no drift")

            // An admin turns the outbound connector off and deletes the bypass rule.
            let configuration = SimulatedTenant.configuration
            _ = try await tenant.services.exchange.invoke(
                "Set-OutboundConnector", ["Identity": .string(configuration.outboundConnectorName), "Enabled": false])
            _ = try await tenant.services.exchange.invoke("Remove-TransportRule", ["Identity": .string(configuration.bypassRuleName)])
            let drift = try await tenant.engine.drift(tenant.graph, run: "r")
            #expect(Set(drift.drifted.map(\.id)) == ["bypass-spam-rule", "enable-outbound-connector"], "\(drift.drifted.map(\.id))")
            #expect(tenant.simulator.snapshot().tenants[0].transportRules.isEmpty, "drift only looks")

            // The correction is a journaled re-run of what drifted.
            for entry in drift.drifted { try await tenant.engine.retry(from: entry.id, in: "r", actor: "support", reason: "drift") }
            let fixed = try await tenant.engine.resume("r", graph: tenant.graph, options: ResumeOptions(maxIdleWait: .seconds(5)))
            #expect(fixed.state == .succeeded)
            #expect(try await tenant.engine.drift(tenant.graph, run: "r").drifted.isEmpty)
            let microsoft = tenant.simulator.snapshot().tenants[0]
            #expect(microsoft.transportRules.count == 1)
            #expect(microsoft.outboundConnectors.first?["Enabled"]?.boolValue == true)
        }
    }

    /// One onboarded object an admin changes by hand, and the task whose drift that is.
    struct Change: Sendable, CustomTestStringConvertible {
        let task: TaskID
        let cmdlet: String
        let parameters: [String: JSONValue]
        var testDescription: String { "\(cmdlet) → \(task)" }
    }

    static let changes: [Change] = {
        let configuration = SimulatedTenant.lockdownConfiguration
        let inbound = JSONValue.string(configuration.inboundConnectorName)
        return [
            Change(task: "inbound-connector", cmdlet: "Set-InboundConnector", parameters: ["Identity": inbound, "RequireTls": false]),
            Change(
                task: "outbound-connector", cmdlet: "Set-OutboundConnector",
                parameters: ["Identity": .string(configuration.outboundConnectorName), "SmartHosts": ["relay.example.net"]]),
            Change(
                task: "enable-outbound-connector", cmdlet: "Set-OutboundConnector",
                parameters: ["Identity": .string(configuration.outboundConnectorName), "Enabled": false]),
            Change(task: "bypass-spam-rule", cmdlet: "Remove-TransportRule", parameters: ["Identity": .string(configuration.bypassRuleName)]),
            Change(
                task: "lockdown-audit", cmdlet: "Disable-TransportRule", parameters: ["Identity": .string(configuration.lockdownAuditRuleName)]),
            Change(
                task: "inbound-lockdown", cmdlet: "Set-InboundConnector", parameters: ["Identity": inbound, "RestrictDomainsToIPAddresses": false]),
        ]
    }()

    @Test(arguments: changes)
    func eachOnboardedObjectChangedByHandIsReportedAloneAndRestored(_ change: Change) async throws {
        try await SimulatedTenant.with(configuration: SimulatedTenant.lockdownConfiguration) { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph)
            for domain in SimulatedTenant.importedDomains {
                tenant.simulator.setMXRecords(["mx1-us1.ppe-hosted.com", "mx2-us1.ppe-hosted.com"], for: domain)
            }
            let options = ResumeOptions(maxIdleWait: .seconds(2))
            _ = try await tenant.engine.start(tenant.graph, id: "r", input: tenant.input, options: RunOptions(maxIdleWait: .zero))
            try await tenant.playTheAdmin(run: "r")
            _ = try await tenant.engine.resume("r", graph: tenant.graph, options: options)
            try await tenant.engine.confirm("inbound-lockdown", in: "r", actor: "admin")
            #expect(try await tenant.engine.resume("r", graph: tenant.graph, options: options).state == .succeeded)
            #expect(try await tenant.engine.drift(tenant.graph, run: "r").drifted.isEmpty)

            _ = try await tenant.services.exchange.invoke(change.cmdlet, change.parameters)
            let drift = try await tenant.engine.drift(tenant.graph, run: "r")
            #expect(drift.drifted.map(\.id) == [change.task], "\(drift.drifted.map { "\($0.id): \($0.observation?.changes ?? [])" })")

            try await tenant.engine.retry(from: change.task, in: "r", actor: "support", reason: "drift")
            var fixed = try await tenant.engine.resume("r", graph: tenant.graph, options: options)
            if change.task == "inbound-lockdown" {
                // Locking inbound mail again is a person's decision, as the first time.
                #expect(fixed.task("inbound-lockdown")?.park?.kind == .person)
                try await tenant.engine.confirm("inbound-lockdown", in: "r", actor: "admin")
                fixed = try await tenant.engine.resume("r", graph: tenant.graph, options: options)
            }
            #expect(fixed.state == .succeeded, "\(fixed.tasks.filter { $0.state != .succeeded }.map { "\($0.id) \($0.park?.message ?? "")" })")
            #expect(try await tenant.engine.drift(tenant.graph, run: "r").drifted.isEmpty, "a second check is clean")
        }
    }
}
