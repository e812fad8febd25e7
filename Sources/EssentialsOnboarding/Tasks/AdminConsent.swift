import Foundation
public import OnboardingEngine

/// A Global Admin granted the application's permissions (guide: the admin-consent flow).
///
/// Waits, with the consent URL in the parked action, until a fresh token carries the roles.
public struct AdminConsent: OnboardingTask {
    /// The permissions the token showed.
    public struct Output: Codable, Sendable, Hashable { public var roles: [String] }

    let services: OnboardingServices
    let configuration: OnboardingConfiguration

    /// 2: the consent link's `state` is a random nonce per run unless the host sets one.
    public var version: Int { 2 }
    /// This task's key: its id, typed with its output.
    public static let key = TaskKey<Output>("admin-consent")
    public var id: TaskID { Self.key.id }
    public var dependencies: [TaskID] { [FeatureEntitlement.key.id] }
    public var effect: TaskEffect { .readOnly }

    public func run(_ context: TaskContext) async throws -> Output {
        let input = try context.input(as: OnboardingInput.self)
        let missing = try await missingRoles()
        guard missing.isEmpty else {
            let url = services.identity.adminConsentURL(
                redirectURI: URL(string: input.consentRedirectURI) ?? URL(string: "https://localhost/consent")!,
                state: try await consentState(context, input: input))
            throw TaskInterruption.waitingForCondition(
                "A Global Admin of the tenant must grant admin consent: open \(url.absoluteString) and accept. Still missing: \(missing.sorted().joined(separator: ", ")).",
                recheckAfter: configuration.consentRecheck)
        }
        return Output(roles: try await services.identity.token(for: .graph).roles.sorted())
    }

    public func observe(_ context: TaskContext) async throws -> Observation {
        let missing = try await missingRoles()
        return missing.isEmpty ? .satisfied : .wouldChange(["wait for admin consent to: \(missing.sorted().joined(separator: ", "))"])
    }

    /// The consent link's `state`: the host's, or this run's random nonce, made on the first
    /// attempt and kept in the checkpoint so every re-check shows the same link.
    private func consentState(_ context: TaskContext, input: OnboardingInput) async throws -> String {
        if !input.consentState.isEmpty { return input.consentState }
        if let saved = try await context.checkpoint(as: ConsentCheckpoint.self) { return saved.state }
        var generator = SystemRandomNumberGenerator()
        let state = (0..<4).map { _ in String(generator.next() as UInt32, radix: 16) }.joined(separator: "-")
        try await context.saveCheckpoint(ConsentCheckpoint(state: state))
        return state
    }

    /// What admin-consent keeps between attempts.
    struct ConsentCheckpoint: Codable, Sendable { var state: String }

    /// The Graph permissions a fresh token lacks; all of them when no token can be had yet.
    private func missingRoles() async throws -> Set<String> {
        let wanted = Set(GuidePermissions.graphPermissions.map(\.name))
        do {
            let token = try await services.identity.token(for: .graph, fresh: true)
            return wanted.subtracting(token.roles)
        } catch let error as ServiceError where error.code == .consentMissing {
            return wanted
        } catch let error as ServiceError {
            // A wrong secret, client id or certificate is not fixed by waiting: it fails for good.
            throw error.interruption()
        }
    }
}
