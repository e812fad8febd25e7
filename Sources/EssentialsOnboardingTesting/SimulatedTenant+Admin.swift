import EssentialsOnboarding
import OnboardingEngine
import TenantSimulator

/// The person's steps: what a tenant's admin does where the workflow waits for them.
extension SimulatedTenant {
    /// Starts `graph` (the workflow by default) as run `id` and takes it to the end with
    /// ``finish(_:graph:)``, playing every step a person does.
    ///
    /// - Returns: where the run stands: `succeeded`, or where it stopped (failed, or parked on
    ///   something no person's step here resolves).
    /// - Throws: ``EngineError`` from the engine (e.g. `runExists`), and what the clients throw.
    public func onboard(_ graph: TaskGraph? = nil, id: RunID = "r") async throws -> RunResult {
        let graph = graph ?? self.graph
        let first = try await engine.start(graph, id: id, input: input, options: RunOptions(maxIdleWait: .zero))
        return try await finish(id, graph: graph, from: first)
    }

    /// Resumes run `id` until it ends, doing each step a person does as the run waits for it:
    /// admin consent, relay (then the confirmation), the SPF record, MX at Essentials and the
    /// lockdown's go-ahead. A run started or resumed in another process (a crash test's child)
    /// is finished the same way.
    ///
    /// - Parameter graph: the run's graph (the workflow by default); tasks you added run too.
    /// - Returns: where the run stands: `succeeded`, or where it stopped (failed, or parked on
    ///   something no person's step here resolves).
    /// - Throws: ``EngineError`` from the engine (e.g. `runLeased` while another process runs it),
    ///   and what the clients throw.
    public func finish(_ id: RunID, graph: TaskGraph? = nil) async throws -> RunResult {
        try await finish(id, graph: graph ?? self.graph, from: nil)
    }

    private func finish(_ id: RunID, graph: TaskGraph, from first: RunResult?) async throws -> RunResult {
        var result: RunResult
        if let first { result = first } else { result = try await resume(id, graph: graph) }
        var played: Set<TaskID> = []
        while result.state == .waiting || result.state == .blocked {
            // Each round must do something new: a step that stays waiting cannot loop forever.
            let due = result.parkedTasks.filter { !played.contains($0.id) }
            var acted = false
            for task in due {
                switch task.id {
                case AdminConsent.key.id: try grantConsent()
                case EnableRelay.key.id: try await enableRelay(run: id)
                case SPFCheck.key.id: try await addEssentialsToSPF()
                case MXCheck.key.id: try await pointMXAtEssentials()
                case InboundLockdown.key.id where task.park?.kind == .person: try await allowLockdown(run: id)
                default: continue
                }
                played.insert(task.id)
                acted = true
            }
            guard acted else { break }
            result = try await resume(id, graph: graph)
        }
        return result
    }

    /// Resumes `id` with a short idle wait, so re-checks see what a person just did.
    private func resume(_ id: RunID, graph: TaskGraph) async throws -> RunResult {
        try await engine.resume(id, graph: graph, options: ResumeOptions(maxIdleWait: .seconds(2)))
    }

    /// The Global Admin grants admin consent for every Graph permission the workflow needs.
    ///
    /// - Throws: `SimulatorError` when the simulator has no such tenant.
    public func grantConsent() throws {
        try simulator.grantConsent(GraphPermission.allGraph)
    }

    /// The person's steps of a run without the lockdown: an SPF record that includes Essentials
    /// for every imported domain, relay on and confirmed.
    ///
    /// - Throws: what the Essentials client or the engine's confirm throws.
    public func playTheAdmin(run: RunID) async throws {
        updateSPF()
        try await enableRelay(run: run)
    }

    /// The DNS change for the default seed: every one of ``importedDomains`` gets an SPF record
    /// that includes Essentials (US region).
    public func updateSPF() {
        for domain in Self.importedDomains {
            simulator.setTXTRecords(["v=spf1 include:spf.protection.outlook.com include:_spf-us.ppe-hosted.com -all"], for: domain)
        }
    }

    /// The DNS change for any seed: each Essentials domain's SPF record gets ``configuration``'s
    /// `spfMechanisms` before its `all` term (other TXT records are kept).
    ///
    /// - Throws: what the Essentials client or the DNS resolver throws.
    public func addEssentialsToSPF() async throws {
        for domain in try await services.essentials.domains(org: input.essentialsOrg).map(\.name) {
            let records = try await services.dns.txtRecords(domain)
            let spf = records.first { $0.hasPrefix("v=spf1") } ?? "v=spf1 -all"
            var terms = spf.split(separator: " ").map(String.init)
            for mechanism in configuration.spfMechanisms where !terms.contains(mechanism) {
                terms.insert(mechanism, at: terms.firstIndex { $0.hasSuffix("all") } ?? terms.endIndex)
            }
            simulator.setTXTRecords(records.filter { !$0.hasPrefix("v=spf1") } + [terms.joined(separator: " ")], for: domain)
        }
    }

    /// The Essentials admin turns relay on for every imported domain and confirms the waiting step.
    ///
    /// - Throws: what the Essentials client or the engine's confirm throws.
    public func enableRelay(run: RunID) async throws {
        for domain in try await services.essentials.domains(org: input.essentialsOrg) where domain.is_relay != true {
            try await services.essentials.setRelay(org: input.essentialsOrg, domain: domain.name, relay: true)
        }
        try await engine.confirm(EnableRelay.key.id, in: run, actor: "admin", note: "relay enabled in the portal")
    }

    /// The DNS change the lockdown waits for: each imported domain's MX names Essentials' hosts
    /// (``configuration``'s `essentialsMXHosts`). Domains Microsoft owns are left alone.
    ///
    /// - Throws: what the Essentials client throws.
    public func pointMXAtEssentials() async throws {
        for domain in try await services.essentials.domains(org: input.essentialsOrg).map(\.name)
        where !GraphDomain.isMicrosoftOwned(domain) {
            simulator.setMXRecords(configuration.essentialsMXHosts, for: domain)
        }
    }

    /// The go-ahead after the lockdown's audit period: confirms the waiting `inbound-lockdown`.
    ///
    /// - Throws: ``EngineError`` when the run does not wait for it.
    public func allowLockdown(run: RunID) async throws {
        try await engine.confirm(InboundLockdown.key.id, in: run, actor: "admin", note: "audit clean")
    }
}
