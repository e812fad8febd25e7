public import OnboardingEngine

/// The transport rule "Bypass Spam Filtering for Proofpoint Essentials": SCL -1 for Essentials' ranges, enabled.
public struct BypassSpamRule: OnboardingTask {
    let services: OnboardingServices
    let configuration: OnboardingConfiguration

    /// This task's key: its id, typed with its output.
    public static let key = TaskKey<Output>("bypass-spam-rule")
    public var id: TaskID { Self.key.id }
    public var dependencies: [TaskID] { [InboundConnector.key.id] }
    public var requiredPermissions: Set<Permission> { [GuidePermissions.exchangeManageAsApp] }
    public var retryPolicy: RetryPolicy { configuration.exchangeRetry }

    var object: ExchangeObject {
        let properties: [String: JSONValue] = [
            "SenderIpRanges": .array(configuration.senderIPRanges.map(JSONValue.string)), "SetSCL": -1,
        ]
        return ExchangeObject(
            services: services, noun: "TransportRule", name: configuration.bypassRuleName,
            created: properties.merging(["Enabled": true]) { $1 }, corrected: properties)
    }

    public func run(_ context: TaskContext) async throws -> NoOutput {
        try await object.ensureEnabledRule()
        return NoOutput()
    }

    public func observe(_ context: TaskContext) async throws -> Observation {
        .wouldChange(try await object.plannedChangesOfRule())
    }
}
