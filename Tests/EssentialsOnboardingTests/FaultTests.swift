import EssentialsOnboarding
import EssentialsOnboardingTesting
import Foundation
import OnboardingEngine
import Testing
import TenantSimulator

@Suite("Onboarding under scripted faults and permanent errors", .timeLimit(.minutes(3)))
struct FaultTests {
    @Test func completesThroughThrottlingOutagesLagPropagationAndExpiredTokens() async throws {
        try await SimulatedTenant.with { tenant in
            let simulator = tenant.simulator
            simulator.updateTimings {
                $0.servicePrincipalReplicationLag = .milliseconds(400)
                $0.exchangePropagationDelay = .milliseconds(600)
                $0.appRoleAssignmentReadLag = .milliseconds(300)
            }
            try simulator.grantConsent(GraphPermission.allGraph)
            _ = simulator.inject(Fault(.graph, method: "GET", route: "/domains", kind: .serviceUnavailable(), trigger: .times(2)))
            _ = simulator.inject(Fault(.graph, method: "GET", route: "/users/delta", kind: .throttle(retryAfterSeconds: 1), trigger: .times(1)))
            _ = simulator.inject(Fault(.graph, method: "GET", route: "/groups", kind: .dropConnection, trigger: .times(1)))
            _ = simulator.inject(Fault(.exchange, route: "New-InboundConnector", kind: .serviceUnavailable(), trigger: .times(3)))
            _ = simulator.inject(Fault(.exchange, route: "Get-OutboundConnector", kind: .throttle(retryAfterSeconds: 1), trigger: .times(1)))
            _ = simulator.inject(Fault(.essentials, kind: .serviceUnavailable(), trigger: .probability(0.1)))

            // DNS is ready up front, so the run's only park is the relay confirmation (a condition
            // re-checked within maxIdleWait would keep the run polling in-process).
            tenant.updateSPF()
            let parked = try await tenant.engine.start(
                tenant.graph, id: "r", input: tenant.input, options: RunOptions(maxIdleWait: .seconds(3)))
            #expect(parked.state == .waiting, "\(parked.tasks.map { "\($0.id): \($0.state) \($0.lastError?.message ?? "")" })")
            // Tokens issued so far expire before the rest of the run.
            simulator.advanceTime(by: .seconds(7200))
            try await tenant.enableRelay(run: "r")
            let done = try await tenant.engine.resume("r", graph: tenant.graph, options: ResumeOptions(maxIdleWait: .seconds(3)))
            #expect(done.state == .succeeded, "\(done.tasks.map { "\($0.id): \($0.state) \($0.lastError?.message ?? "")" })")

            let snapshot = simulator.snapshot().tenants[0]
            #expect(snapshot.inboundConnectors.count == 1)
            #expect(snapshot.outboundConnectors.count == 1)
            #expect(snapshot.transportRules.count == 1)
            let timeline = try tenant.journal.journal.events(of: "r").map(\.action)
            #expect(timeline.contains("task.retrying"), "the faults must have been felt by the engine too")
        }
    }

    @Test func anOrgThatIsNotEntitledFailsWithAnActionableMessage() async throws {
        var seed = SimulatorConfiguration.default
        seed.essentials.organizations = seed.essentials.organizations.map { org in
            var org = org
            if org.domain == "contoso.com" { org.features = [] }
            return org
        }
        try await SimulatedTenant.with(seed) { tenant in
            let result = try await tenant.engine.start(tenant.graph, id: "r", input: tenant.input)
            #expect(result.state == .failed)
            let failure = try #require(result.task("feature-entitlement")?.lastError)
            #expect(failure.code == "notEntitled")
            #expect(failure.message.contains("Contact your Proofpoint Essentials representative"))
            #expect(tenant.simulator.requestCount(.exchange, "POST", "New-InboundConnector") == 0)
        }
    }

    @Test func aWrongClientSecretFailsWithAnActionableMessage() async throws {
        var credentials = SimulatedTenant.credentials
        credentials.clientSecret = "not-the-secret"
        try await SimulatedTenant.with(credentials: credentials) { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph)
            let result = try await tenant.engine.start(tenant.graph, id: "r", input: tenant.input)
            #expect(result.state == .failed)
            let failure = try #require(result.task("admin-consent")?.lastError)
            #expect(failure.code == "AADSTS7000215")
            #expect(failure.message.contains("client secret is wrong or expired"))
        }
    }

    @Test func withoutConsentTheRunWaitsWithTheConsentURLAndContinuesOnceGranted() async throws {
        try await SimulatedTenant.with { tenant in
            let parked = try await tenant.engine.start(tenant.graph, id: "r", input: tenant.input, options: RunOptions(maxIdleWait: .zero))
            #expect(parked.state == .waiting)
            let action = try #require(parked.task("admin-consent")?.park?.message)
            #expect(action.contains("Global Admin"))
            #expect(action.contains("/v2.0/adminconsent?client_id=\(SimulatedTenant.credentials.clientID)"))
            #expect(tenant.simulator.snapshot().tenants[0].inboundConnectors.isEmpty)

            try tenant.simulator.grantConsent(GraphPermission.allGraph)
            let next = try await tenant.engine.resume("r", graph: tenant.graph, options: ResumeOptions(maxIdleWait: .zero))
            #expect(next.task("admin-consent")?.state == .succeeded)
            #expect(tenant.simulator.snapshot().tenants[0].inboundConnectors.count == 1)
        }
    }

    @Test func aRefusedConsentRedirectIsReportedInPlainWordsAndAStateMismatchIsRejected() throws {
        let refused = URL(string: "https://localhost/consent?error=permission_denied&error_description=The+admin+canceled&state=s1")!
        let error = #expect(throws: ServiceError.self) { try IdentityClient.checkConsentRedirect(refused, expectedState: "s1") }
        #expect(error?.message.contains("did not grant consent") == true)
        let forged = URL(string: "https://localhost/consent?tenant=t&admin_consent=True&state=other")!
        let mismatch = #expect(throws: ServiceError.self) { try IdentityClient.checkConsentRedirect(forged, expectedState: "s1") }
        #expect(mismatch?.message.contains("state does not match") == true)
        let granted = URL(string: "https://localhost/consent?tenant=t-1&admin_consent=True&state=s1")!
        #expect(try IdentityClient.checkConsentRedirect(granted, expectedState: "s1") == "t-1")
    }

    @Test func plainHTTPIsRefusedOffLoopback() throws {
        var endpoints = try ServiceEndpoints.cloud()
        #expect(throws: Never.self) { try endpoints.validate() }
        endpoints.graph = URL(string: "http://graph.example.com")!
        let error = #expect(throws: ServiceError.self) { try endpoints.validate() }
        #expect(error?.code == .insecureEndpoint)
    }

    @Test func anUnknownEssentialsRegionIsAConfigurationErrorNotACrash() throws {
        #expect(try ServiceEndpoints.cloud(essentialsRegion: "EU1").essentials.host == "eu1.proofpointessentials.com")
        let error = #expect(throws: ServiceError.self) { try ServiceEndpoints.cloud(essentialsRegion: "us 1/x") }
        #expect(error?.service == .configuration)
        #expect(error?.message.contains("us1, us2, us3, us4, us5, eu1") == true)
    }
}
