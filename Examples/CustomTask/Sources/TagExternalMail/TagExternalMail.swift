import EssentialsOnboarding
import OnboardingEngine

/// Keeps a transport rule that prefixes the subject of mail from outside the organization with
/// `[External]`: a task added to the Microsoft 365 workflow.
///
/// Idempotent: `ExchangeObject.ensure()` reads the rule first, creates it only when it is missing
/// and corrects only what drifted, so the engine may run it again after a crash.
public struct TagExternalMail: OnboardingTask {
    /// What the task leaves for dependents and the journal: the rule's name, and whether this run created it.
    public struct Output: Codable, Sendable, Equatable {
        /// The transport rule's name.
        public var rule: String
        /// Whether the rule was missing and this attempt created it.
        public var created: Bool

        /// The output for `rule`.
        public init(rule: String, created: Bool) {
            self.rule = rule
            self.created = created
        }
    }

    /// The task's key: its id in the journal, and its output's type for dependents and `skip`.
    public static let key = TaskKey<Output>("tag-external-mail")

    /// The rule's name in Exchange Online.
    public static let ruleName = "Tag external mail"

    /// The workflow's clients (credentials inside; never journaled).
    public let services: OnboardingServices

    /// The task, calling Exchange through `services`.
    public init(services: OnboardingServices) { self.services = services }

    public var id: TaskID { Self.key.id }
    public var version: Int { 1 }
    // Exchange accepts the application once both role tasks of the workflow succeeded.
    public var dependencies: [TaskID] { [ExchangeAppRole.key.id, ExchangeAdministratorRole.key.id] }
    public var requiredPermissions: Set<Permission> { ["Exchange.ManageAsApp"] }
    public var effect: TaskEffect { .mutating }

    /// The rule as the task keeps it.
    public var rule: ExchangeObject {
        ExchangeObject(
            services: services, noun: "TransportRule", name: Self.ruleName,
            created: ["FromScope": "NotInOrganization", "PrependSubject": "[External] "],
            corrected: ["PrependSubject": "[External] "])
    }

    public func run(_ context: TaskContext) async throws -> Output {
        let before = try await rule.ensure()   // nil: it did not exist, and now does
        context.crashPoint("rule-ensured")     // a crash test may stop here: the rule exists, the success is not journaled
        return Output(rule: Self.ruleName, created: before == nil)
    }

    public func observe(_ context: TaskContext) async throws -> Observation {
        let changes = try await rule.plannedChanges()
        return changes.isEmpty ? .satisfied : .wouldChange(changes)
    }
}
