import Foundation
import OnboardingEngine

/// A Global Admin granted the application's permissions (guide: the admin-consent flow).
///
/// Waits, with the consent URL in the parked action, until a fresh token carries the roles.
public struct AdminConsent: OnboardingTask {
    /// The permissions the token showed.
    public struct Output: Codable, Sendable, Hashable { public var roles: [String] }

    let services: OnboardingServices
    let configuration: OnboardingConfiguration

    public var id: TaskID { "admin-consent" }
    public var dependencies: [TaskID] { ["feature-entitlement"] }
    public var effect: TaskEffect { .readOnly }

    public func run(_ context: TaskContext) async throws -> Output {
        let input = try context.input(as: OnboardingInput.self)
        let missing = try await missingRoles()
        guard missing.isEmpty else {
            let url = services.identity.adminConsentURL(
                redirectURI: URL(string: input.consentRedirectURI) ?? URL(string: "https://localhost/consent")!,
                state: input.consentState)
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
