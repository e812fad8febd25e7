public import OnboardingEngine

/// The lockdown's audit stage: a transport rule that stamps a header on external mail that did
/// not arrive from Essentials' ranges, so admins can see, before anything is rejected, which
/// mail still bypasses Essentials (a partner's direct connector, an old MX cached somewhere).
///
/// The rule stays after the lockdown: once enforced nothing it would stamp gets in, and if the
/// restriction is ever lifted it shows again what bypasses Essentials. Nothing is stamped while
/// no domain's mail goes through Essentials (no rule is created then).
public struct LockdownAudit: OnboardingTask {
    let services: OnboardingServices
    let configuration: OnboardingConfiguration

    /// This task's key: its id, typed with its output.
    public static let key = TaskKey<Output>("lockdown-audit")
    public var id: TaskID { Self.key.id }
    public var dependencies: [TaskID] { [MXCheck.key.id] }
    public var requiredPermissions: Set<Permission> { [GuidePermissions.exchangeManageAsApp] }
    public var retryPolicy: RetryPolicy { configuration.exchangeRetry }

    var rule: ExchangeObject {
        let properties: [String: JSONValue] = [
            "FromScope": "NotInOrganization",
            "ExceptIfSenderIpRanges": .array(configuration.senderIPRanges.map(JSONValue.string)),
            "SetHeaderName": .string(configuration.lockdownAuditHeaderName),
            "SetHeaderValue": .string(configuration.lockdownAuditHeaderValue),
        ]
        return ExchangeObject(
            services: services, noun: "TransportRule", name: configuration.lockdownAuditRuleName,
            created: properties.merging(["Enabled": true, "Comments": "Stamps external mail that did not arrive through Proofpoint Essentials (inbound lockdown audit)."]) { $1 },
            corrected: properties)
    }

    public func run(_ context: TaskContext) async throws -> NoOutput {
        guard !(try context.output(of: MXCheck.key).domains.isEmpty) else { return NoOutput() }
        try await rule.ensureEnabledRule()
        return NoOutput()
    }

    public func observe(_ context: TaskContext) async throws -> Observation {
        guard !(try context.output(of: MXCheck.key).domains.isEmpty) else { return .satisfied }
        return .wouldChange(try await rule.plannedChangesOfRule())
    }
}
