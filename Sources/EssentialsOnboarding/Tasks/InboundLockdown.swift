public import OnboardingEngine

/// Inbound mail is locked to Essentials: the inbound connector's `RestrictDomainsToIPAddresses`
/// is turned on, so Exchange rejects, in the SMTP conversation, external mail that does not come
/// from Essentials' ranges (direct-to-MX spam that bypasses filtering).
///
/// Staged as the field does it: only after every gated domain's MX points at Essentials
/// (``MXCheck``), and after the audit period (``LockdownAudit``) — the task waits for a person
/// who has looked at the audit header to confirm. MX is checked again right before enforcing;
/// while any domain's mail still arrives at Microsoft the restriction would reject all of it, so
/// the task waits instead. With no gated domain nothing is locked (it would reject all mail).
///
/// The connector restriction is used rather than a rejecting transport rule: it is what the
/// integration guide configures, it rejects during the SMTP conversation (the sender gets a
/// bounce at once, nothing is accepted and dropped), and the audit rule mirrors its condition.
public struct InboundLockdown: OnboardingTask {
    let services: OnboardingServices
    let configuration: OnboardingConfiguration

    /// This task's key: its id, typed with its output.
    public static let key = TaskKey<Output>("inbound-lockdown")
    public var id: TaskID { Self.key.id }
    public var dependencies: [TaskID] { [LockdownAudit.key.id, MXCheck.key.id] }
    public var requiredPermissions: Set<Permission> { [GuidePermissions.exchangeManageAsApp] }
    public var retryPolicy: RetryPolicy { configuration.exchangeRetry }

    public func run(_ context: TaskContext) async throws -> NoOutput {
        let domains = try context.output(of: MXCheck.key).domains
        guard !domains.isEmpty, try await !isRestricted() else { return NoOutput() }
        let routing = MailRouting(services: services, configuration: configuration)
        let problems = try await routing.notThroughEssentials(domains)
        guard problems.isEmpty else {
            let perDomain = problems.map { "\($0.domain): \($0.problem)." }.joined(separator: " ")
            throw TaskInterruption.waitingForCondition(
                "Inbound mail is not locked to Essentials while a domain's mail still arrives elsewhere: it would all be rejected. \(perDomain) DNS is re-checked every \(Int(configuration.mxRecheck.components.seconds)) s.",
                recheckAfter: configuration.mxRecheck)
        }
        guard context.confirmation != nil else {
            throw TaskInterruption.waitingForPerson(
                action: "Mail for \(domains.joined(separator: ", ")) now arrives through Essentials. During an audit period (a few days is usual), the transport rule '\(configuration.lockdownAuditRuleName)' stamps the header \(configuration.lockdownAuditHeaderName) on external mail that did not come through Essentials: look for it in message headers or a message trace. When no wanted mail carries it, confirm this step to reject mail that bypasses Essentials (the inbound connector's RestrictDomainsToIPAddresses).")
        }
        try await call(needing: GuidePermissions.exchangeManageAsApp) {
            _ = try await services.exchange.invoke(
                "Set-InboundConnector",
                ["Identity": .string(configuration.inboundConnectorName), "RestrictDomainsToIPAddresses": true])
        }
        return NoOutput()
    }

    public func observe(_ context: TaskContext) async throws -> Observation {
        let domains = try context.output(of: MXCheck.key).domains
        guard !domains.isEmpty, try await !isRestricted() else { return .satisfied }
        return .wouldChange([
            "wait for a person to end the audit period, then restrict inbound connector '\(configuration.inboundConnectorName)' to Essentials' addresses"
        ])
    }

    private func isRestricted() async throws -> Bool {
        let connector = try await call(needing: GuidePermissions.exchangeManageAsApp) {
            try await services.exchange.invoke("Get-InboundConnector", ["Identity": .string(configuration.inboundConnectorName)])
        }
        return connector.first?["RestrictDomainsToIPAddresses"]?.bool == true
    }
}
