public import OnboardingEngine

/// On the Essentials side, when the run's input asks for it: the tenant's domains are removed from
/// the org and its Azure directory sync is turned off. After mail no longer flows through
/// Essentials (a domain removed while its MX still points there would bounce).
public struct EssentialsCleanup: OnboardingTask {
    let services: OnboardingServices

    /// This task's key: its id, typed with its output.
    public static let key = TaskKey<Output>("essentials-cleanup")
    public var id: TaskID { Self.key.id }
    public var dependencies: [TaskID] { [MailBackAtMicrosoft.key.id] }
    public var requiredPermissions: Set<Permission> { [GuidePermissions.essentialsAdmin, GuidePermissions.domainReadAll] }

    public func run(_ context: TaskContext) async throws -> NoOutput {
        let input = try context.input(as: OffboardingInput.self)
        let (domains, syncOn) = try await pending(input)
        for domain in domains {
            try await call { try await services.essentials.removeDomain(org: input.essentialsOrg, name: domain) }
        }
        if syncOn {
            try await call { try await services.essentials.updateAzureSettings(org: input.essentialsOrg, ["enabled": false]) }
        }
        return NoOutput()
    }

    public func observe(_ context: TaskContext) async throws -> Observation {
        let input = try context.input(as: OffboardingInput.self)
        let (domains, syncOn) = try await pending(input)
        return .wouldChange(
            domains.map { "remove domain \($0) from Essentials org \(input.essentialsOrg)" }
                + (syncOn ? ["turn off Azure directory sync of Essentials org \(input.essentialsOrg)"] : []))
    }

    /// The tenant's domains still in the org (when asked to remove them), and whether sync is on (when asked to turn it off).
    private func pending(_ input: OffboardingInput) async throws -> (domains: [String], syncOn: Bool) {
        var domains: [String] = []
        if input.removeEssentialsDomains {
            let tenant = Set(
                try await call(needing: GuidePermissions.domainReadAll) { try await services.graph.domains() }.map { $0.id.lowercased() })
            domains = try await call { try await services.essentials.domains(org: input.essentialsOrg) }
                .map { $0.name.lowercased() }.filter { tenant.contains($0) }.sorted()
        }
        var syncOn = false
        if input.turnOffDirectorySync {
            syncOn = try await call { try await services.essentials.azureSettings(org: input.essentialsOrg) }["enabled"]?.bool == true
        }
        return (domains, syncOn)
    }
}
