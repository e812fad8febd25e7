public import OnboardingEngine

/// The tenant's verified mail domains are in the Essentials org, with relay off (guide: "domains will not be enabled for mail relay").
///
/// `*.onmicrosoft.com` domains (Graph's `isInitial`, or the suffix) are left out unless
/// ``OnboardingConfiguration/importMicrosoftDomains``: Microsoft owns their DNS, so their MX
/// cannot point at Essentials and their SPF record cannot include it. Importing them would gate
/// the outbound connector on a change nobody can make.
public struct ImportDomains: OnboardingTask {
    /// The imported domains.
    public struct Output: Codable, Sendable, Hashable {
        /// The domains, sorted.
        public var domains: [String]
        /// Creates an output (e.g. to supply with a skip).
        public init(domains: [String]) { self.domains = domains }
    }

    let services: OnboardingServices
    let configuration: OnboardingConfiguration

    /// 2: `*.onmicrosoft.com` domains are no longer imported by default.
    public var version: Int { 2 }
    /// This task's key: its id, typed with its output.
    public static let key = TaskKey<Output>("import-domains")
    public var id: TaskID { Self.key.id }
    public var dependencies: [TaskID] { [AdminConsent.key.id] }
    public var requiredPermissions: Set<Permission> { [GuidePermissions.domainReadAll, GuidePermissions.essentialsAdmin] }

    public func run(_ context: TaskContext) async throws -> Output {
        let input = try context.input(as: OnboardingInput.self)
        let (wanted, missing) = try await difference(org: input.essentialsOrg)
        for domain in missing {
            try await call { try await services.essentials.addDomain(org: input.essentialsOrg, name: domain, relay: false) }
        }
        return Output(domains: wanted)
    }

    public func observe(_ context: TaskContext) async throws -> Observation {
        let input = try context.input(as: OnboardingInput.self)
        let (_, missing) = try await difference(org: input.essentialsOrg)
        return .wouldChange(missing.map { "add domain \($0) to Essentials (relay off)" })
    }

    /// The tenant's mail domains, and those the org lacks.
    private func difference(org: String) async throws -> (wanted: [String], missing: [String]) {
        let domains = try await call(needing: GuidePermissions.domainReadAll) { try await services.graph.domains() }
        let wanted = domains.filter { $0.isMailDomain && (configuration.importMicrosoftDomains || !$0.isMicrosoftOwned) }
            .map(\.id).sorted()
        let present = Set(try await call { try await services.essentials.domains(org: org) }.map { $0.name.lowercased() })
        return (wanted, wanted.filter { !present.contains($0.lowercased()) })
    }
}
