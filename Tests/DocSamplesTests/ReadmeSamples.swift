import EssentialsOnboarding
import Logging
import OnboardingEngine

// The README's samples, compiled (never called: they would write files and call the cloud).
// DocSamplesAreCompiledTests checks that every sample in the docs stands here, line for line.

/// README.md, "Embedding the engine".
func embeddingTheEngine(services: OnboardingServices) async throws {
    /// Records how many mail domains the tenant has: a read-only task.
    struct CountMailDomains: OnboardingTask {
        let graph: GraphClient                                   // credentials live here, never in the journal
        var id: TaskID { "count-mail-domains" }
        var requiredPermissions: Set<Permission> { ["Domain.Read.All"] }
        var effect: TaskEffect { .readOnly }

        func run(_ context: TaskContext) async throws -> Int {
            try await graph.domains().filter(\.isMailDomain).count   // idempotent: safe to run again after a crash
        }
    }

    let engine = Engine(journal: try Journal(path: "onboarding.sqlite"), logger: Logger(label: "onboarding"))
    let graph = try TaskGraph(workflow: "mail-domains", tasks: [CountMailDomains(graph: services.graph)])
    let result = try await engine.start(graph, input: ["tenant": "contoso"])   // or engine.resume(runID, graph: graph)
    _ = result
}

/// README.md, "The Microsoft 365 workflow".
func theMicrosoft365Workflow(
    engine: Engine, clientID: String, certificate: String, key: String, essentialsUser: String,
    essentialsPassword: String, tenant: String
) async throws {
    let credentials = OnboardingCredentials(
        clientID: clientID, certificate: try ClientCertificate(certificatePEM: certificate, privateKeyPEM: key),
        essentialsUser: essentialsUser, essentialsPassword: essentialsPassword)  // or clientSecret: …
    let services = try OnboardingServices(
        endpoints: try .cloud(essentialsRegion: "us1"), credentials: credentials, tenantID: tenant)
    let input = OnboardingInput(tenantID: tenant, essentialsOrg: "contoso.com", isParentOrg: false)
    let result = try await engine.startOrResume(try EssentialsWorkflow.graph(services: services), id: "contoso", input: input)
    _ = result
}

/// Docs/Security.md, raising the limits.
func raisingTheLimits(credentials: OnboardingCredentials, tenant: String) throws {
    let limits = ServiceLimits(requestDeadline: .seconds(300), maxPages: 100_000, maxItems: 10_000_000)
    let services = try OnboardingServices(
        endpoints: try .cloud(), credentials: credentials, tenantID: tenant, limits: limits)
    _ = services
}
