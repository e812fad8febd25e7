/// Propagation delays and lifetimes that make the simulated services eventually consistent.
///
/// All are measured on the simulator's clock (``SimulatorConfiguration/now`` plus ``Simulator/advanceTime(by:)``).
public struct SimulatorTimings: Sendable, Hashable {
    /// How long after consent the application's service principal stays invisible to
    /// `GET servicePrincipals?$filter=appId eq '…'` (replication lag).
    public var servicePrincipalReplicationLag: Duration = .zero
    /// How long after an app role assignment (consent or `POST …/appRoleAssignments`) it stays out of
    /// `GET …/appRoleAssignments` reads.
    public var appRoleAssignmentReadLag: Duration = .zero
    /// How long after a grant it stays out of newly issued tokens' `roles` claim.
    public var tokenRolePropagationDelay: Duration = .zero
    /// How long after the `Exchange.ManageAsApp` app role (401) or the Exchange Administrator directory
    /// role (403) was assigned Exchange keeps refusing the application.
    public var exchangePropagationDelay: Duration = .zero
    /// Lifetime of issued access tokens (`exp - iat`); shorten it to make tokens expire mid-run.
    public var tokenLifetime: Duration = .seconds(3599)
    /// How long a Graph delta link stays usable before it answers 410 `syncStateNotFound`.
    public var deltaLinkLifetime: Duration = .seconds(7 * 24 * 3600)

    /// Timings with no delays, one-hour tokens and seven-day delta links.
    public init() {}
}
