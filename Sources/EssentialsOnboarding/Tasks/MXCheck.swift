public import OnboardingEngine

/// Every imported domain's inbound mail arrives through Essentials: its MX records name only the
/// region's Essentials hosts. Waits, re-checking DNS on a schedule, until the customer has changed
/// them; the inbound lockdown never starts before. `*.onmicrosoft.com` domains are not gated
/// (nobody but Microsoft can change their MX).
public struct MXCheck: OnboardingTask {
    /// The domains whose mail was found to arrive through Essentials.
    public struct Output: Codable, Sendable, Hashable {
        /// The gated domains, in the imported order; empty when the tenant has none.
        public var domains: [String]
        /// Creates an output (e.g. to supply with a skip).
        public init(domains: [String]) { self.domains = domains }
    }

    let services: OnboardingServices
    let configuration: OnboardingConfiguration

    /// This task's key: its id, typed with its output.
    public static let key = TaskKey<Output>("mx-check")
    public var id: TaskID { Self.key.id }
    /// After the inbound connector: mail arriving through Essentials must find Enhanced Filtering in place.
    public var dependencies: [TaskID] { [ImportDomains.key.id, InboundConnector.key.id] }
    public var effect: TaskEffect { .readOnly }

    public func run(_ context: TaskContext) async throws -> Output {
        let domains = MailRouting.gated(try context.output(of: ImportDomains.key).domains)
        let problems = try await MailRouting(services: services, configuration: configuration).notThroughEssentials(domains)
        guard problems.isEmpty else {
            let perDomain = problems.map { "\($0.domain): \($0.problem)." }.joined(separator: " ")
            throw TaskInterruption.waitingForCondition(
                "Inbound mail arrives through Essentials once each domain's MX points at it. \(perDomain) The inbound lockdown waits until then; DNS is re-checked every \(Int(configuration.mxRecheck.components.seconds)) s.",
                recheckAfter: configuration.mxRecheck)
        }
        return Output(domains: domains)
    }

    public func observe(_ context: TaskContext) async throws -> Observation {
        let domains = MailRouting.gated(try context.output(of: ImportDomains.key).domains)
        let problems = try await MailRouting(services: services, configuration: configuration).notThroughEssentials(domains)
        return .wouldChange(problems.map { "wait for the MX of \($0.domain) to point at Essentials (\($0.problem))" })
    }
}
