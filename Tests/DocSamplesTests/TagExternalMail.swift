// Docs/WritingATask.md, "1. The type", compiled; the test in TagExternalMailTests runs it.
import EssentialsOnboarding
import OnboardingEngine

/// A transport rule that prefixes the subject of mail from outside the organization.
struct TagExternalMail: OnboardingTask {
    /// What dependents can read; journaled as JSON. Use `NoOutput` when there is nothing to say.
    struct Output: Codable, Sendable { var rule: String; var created: Bool }

    let exchange: ExchangeClient          // built by the host with credentials; never journaled
    let rule = "Tag external mail"

    static let key = TaskKey<Output>("tag-external-mail")      // stable: it is the journal's key
    var id: TaskID { Self.key.id }
    var version: Int { 1 }                                      // bump when `run` changes meaningfully
    var dependencies: [TaskID] { [ExchangeAppRole.key.id, ExchangeAdministratorRole.key.id] }   // typed: a typo fails to build
    var requiredPermissions: Set<Permission> { ["Exchange.ManageAsApp"] }
    var effect: TaskEffect { .mutating }                        // mutating tasks respect change windows
    var retryPolicy: RetryPolicy { .standard }                  // 8 attempts, 1 s doubling to 5 min, ±20 %

    func run(_ context: TaskContext) async throws -> Output {
        do {
            if try await exists() { return Output(rule: rule, created: false) }   // never fail on "already exists"
            _ = try await exchange.invoke(
                "New-TransportRule", ["Name": .string(rule), "FromScope": "NotInOrganization", "PrependSubject": "[External] "])
            return Output(rule: rule, created: true)
        } catch let error as ServiceError {
            throw error.interruption(needing: "Exchange.ManageAsApp")  // 403: blocked; 429, 503: retried; 400: failed
        }
    }

    func observe(_ context: TaskContext) async throws -> Observation {
        try await exists() ? .satisfied : .wouldChange(["create transport rule '\(rule)'"])
    }

    /// Whether Exchange has the rule.
    private func exists() async throws -> Bool {
        do {
            return try await !exchange.invoke("Get-TransportRule", ["Identity": .string(rule)]).isEmpty
        } catch let error as ServiceError where error.code == .notFound {
            return false
        }
    }
}
