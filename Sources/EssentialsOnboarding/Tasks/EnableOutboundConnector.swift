public import OnboardingEngine

/// The outbound connector is switched on, once SPF includes Essentials (never earlier).
public struct EnableOutboundConnector: OnboardingTask {
    let services: OnboardingServices
    let configuration: OnboardingConfiguration

    /// This task's key: its id, typed with its output.
    public static let key = TaskKey<Output>("enable-outbound-connector")
    public var id: TaskID { Self.key.id }
    public var dependencies: [TaskID] { [SPFCheck.key.id, OutboundConnector.key.id] }
    public var requiredPermissions: Set<Permission> { [GuidePermissions.exchangeManageAsApp] }
    public var retryPolicy: RetryPolicy { configuration.exchangeRetry }

    public func run(_ context: TaskContext) async throws -> NoOutput {
        if try await !isEnabled() {
            try await call(needing: GuidePermissions.exchangeManageAsApp) {
                _ = try await services.exchange.invoke(
                    "Set-OutboundConnector", ["Identity": .string(configuration.outboundConnectorName), "Enabled": true])
            }
        }
        return NoOutput()
    }

    public func observe(_ context: TaskContext) async throws -> Observation {
        try await isEnabled() ? .satisfied : .wouldChange(["enable outbound connector '\(configuration.outboundConnectorName)'"])
    }

    private func isEnabled() async throws -> Bool {
        let connector = try await call(needing: GuidePermissions.exchangeManageAsApp) {
            try await services.exchange.invoke("Get-OutboundConnector", ["Identity": .string(configuration.outboundConnectorName)])
        }
        return connector.first?["Enabled"]?.bool == true
    }
}
