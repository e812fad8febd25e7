public import OnboardingEngine

/// Relay is on for the imported domains. The guide leaves this to the org's Essentials admin, so
/// the task waits for a person, and finishes once relay is on (checked after their confirmation).
public struct EnableRelay: OnboardingTask {
    let services: OnboardingServices

    /// This task's key: its id, typed with its output.
    public static let key = TaskKey<Output>("enable-relay")
    public var id: TaskID { Self.key.id }
    public var dependencies: [TaskID] { [ImportDomains.key.id] }
    public var requiredPermissions: Set<Permission> { [GuidePermissions.essentialsAdmin] }
    public var effect: TaskEffect { .readOnly }

    public func run(_ context: TaskContext) async throws -> NoOutput {
        let input = try context.input(as: OnboardingInput.self)
        let pending = try await relayOff(context, org: input.essentialsOrg)
        guard pending.isEmpty else {
            let again = context.confirmation == nil ? "" : " (relay was confirmed, but it is still off for these)"
            throw TaskInterruption.waitingForPerson(
                action: "The Essentials admin must enable relay for \(pending.joined(separator: ", ")) in the Essentials portal (Domains), then confirm this step\(again).")
        }
        return NoOutput()
    }

    public func observe(_ context: TaskContext) async throws -> Observation {
        let input = try context.input(as: OnboardingInput.self)
        let pending = try await relayOff(context, org: input.essentialsOrg)
        return .wouldChange(pending.map { "wait for the admin to enable relay for \($0)" })
    }

    private func relayOff(_ context: TaskContext, org: String) async throws -> [String] {
        let imported = Set(try context.output(of: ImportDomains.key).domains)
        let domains = try await call { try await services.essentials.domains(org: org) }
        return domains.filter { imported.contains($0.name) && $0.is_relay != true }.map(\.name).sorted()
    }
}
