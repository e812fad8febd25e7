import ArgumentParser
import AsyncHTTPClient
import EssentialsOnboarding
import Foundation
import OnboardingEngine
import Synchronization
import TenantSimulator

/// The demo tenant's admin, who does the manual steps the integration guide leaves to people:
/// grants admin consent (by opening the consent link), enables relay in the Essentials portal
/// (then confirms the waiting step), adds Essentials to each domain's SPF record, points each
/// domain's MX at Essentials, and ends the lockdown's audit period (confirming it).
///
/// The run never learns any of this directly; it sees it the way it would in real life, through
/// a fresh token's roles, the Essentials domains and DNS.
struct DemoAdmin: Sendable {
    /// A manual step the admin can do.
    enum Action: String, Codable, CaseIterable, Sendable, ExpressibleByArgument {
        /// Open the admin-consent link and accept.
        case consent
        /// Turn relay on for the imported domains in the Essentials portal.
        case relay
        /// Add Essentials to each domain's SPF record.
        case spf
        /// Point each domain's MX at Essentials' hosts.
        case mx
        /// End the inbound lockdown's audit period: confirm that mail may be locked to Essentials.
        case lockdown
        /// Offboarding: point MX back at Microsoft and take Essentials out of SPF.
        case dnsBack = "dns-back"
        /// Offboarding: delete the enterprise application, then confirm.
        case removeApp = "remove-app"

        /// The task this action lets continue.
        var task: TaskID {
            switch self {
            case .consent: AdminConsent.key.id
            case .relay: EnableRelay.key.id
            case .spf: SPFCheck.key.id
            case .mx: MXCheck.key.id
            case .lockdown: InboundLockdown.key.id
            case .dnsBack: MailBackAtMicrosoft.key.id
            case .removeApp: RemoveEnterpriseApp.key.id
            }
        }

        /// The action that lets `task` continue, if a person's action does.
        init?(task: TaskID) {
            guard let action = Self.allCases.first(where: { $0.task == task }) else { return nil }
            self = action
        }

    }

    let tenant: DemoTenant
    private let performed = Performed()

    init(tenant: DemoTenant) { self.tenant = tenant }

    private final class Performed: Sendable {
        let actions = Mutex<Set<Action>>([])
        func first(_ action: Action) -> Bool { actions.withLock { $0.insert(action).inserted } }
    }

    /// Does `action` in the demo tenant, saying what they do.
    ///
    /// - Parameter park: why the task waits; for consent, its message holds the run's consent
    ///   link (with the run's own `state`), which the admin opens as a person would.
    func perform(_ action: Action, park: ParkReason?) async throws {
        let org = DemoTenant.organization
        switch action {
        case .consent:
            guard let link = park.flatMap({ Self.consentLink(in: $0.message) }), let url = URL(string: link),
                let state = URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems?.first(where: { $0.name == "state" })?.value
            else {
                throw ValidationFailure("The run does not wait for admin consent (no consent link to open).")
            }
            print("👤 admin: opening the consent link and accepting")
            let client = HTTPClient(
                eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))
            defer { _ = client.shutdown() }
            let response = try await client.execute(HTTPClientRequest(url: url.absoluteString), timeout: .seconds(10))
            guard let location = response.headers.first(name: "location").flatMap(URL.init(string:)) else {
                throw ValidationFailure("The demo tenant's consent page answered \(response.status) without a redirect.")
            }
            _ = try IdentityClient.checkConsentRedirect(location, expectedState: state)
        case .relay:
            let off = try await tenant.services.essentials.domains(org: org).filter { $0.is_relay != true }.map(\.name)
            print("👤 admin: enabling relay for \(off.joined(separator: ", ")) in the Essentials portal")
            for domain in off { try await tenant.services.essentials.setRelay(org: org, domain: domain, relay: true) }
        case .spf:
            let domains = try await tenant.services.essentials.domains(org: org).map(\.name)
            print("👤 admin: adding include:_spf-us.ppe-hosted.com to the SPF record of \(domains.joined(separator: ", "))")
            for domain in domains {
                let records = try await tenant.services.dns.txtRecords(domain)
                let others = records.filter { !$0.hasPrefix("v=spf1") }
                let spf = records.first { $0.hasPrefix("v=spf1") } ?? "v=spf1 -all"
                guard !spf.contains("include:_spf-us.ppe-hosted.com") else { continue }
                var terms = spf.split(separator: " ").map(String.init)
                terms.insert("include:_spf-us.ppe-hosted.com", at: terms.firstIndex { $0.hasSuffix("all") } ?? terms.endIndex)
                tenant.simulator.setTXTRecords(others + [terms.joined(separator: " ")], for: domain)
            }
        case .mx:
            let hosts = DemoTenant.onboardingConfiguration.essentialsMXHosts
            let domains = try await tenant.services.essentials.domains(org: org).map(\.name)
                .filter { !GraphDomain.isMicrosoftOwned($0) }
            print("👤 admin: pointing the MX of \(domains.joined(separator: ", ")) at \(hosts.joined(separator: " and "))")
            for domain in domains { tenant.simulator.setMXRecords(hosts, for: domain) }
        case .lockdown:
            print("👤 admin: the audit header shows no wanted mail bypassing Essentials; ending the audit period")
        case .dnsBack:
            let essentials = Set(DemoTenant.onboardingConfiguration.spfMechanisms)
            let domains = try await tenant.services.graph.domains().filter { $0.isMailDomain && !$0.isMicrosoftOwned }.map(\.id)
            print("👤 admin: pointing the MX of \(domains.joined(separator: ", ")) back at Microsoft and taking Essentials out of SPF")
            for domain in domains {
                tenant.simulator.setMXRecords([SimulatedDomain.microsoftMX(for: domain)], for: domain)
                let records = try await tenant.services.dns.txtRecords(domain).map { record in
                    record.hasPrefix("v=spf1") ? record.split(separator: " ").filter { !essentials.contains(String($0)) }.joined(separator: " ") : record
                }
                tenant.simulator.setTXTRecords(records, for: domain)
            }
        case .removeApp:
            print("👤 admin: deleting the enterprise application in Entra")
        }
    }

    /// The consent link in a park message ("… open https://…/adminconsent?… and accept …").
    static func consentLink(in message: String) -> String? {
        message.split(separator: " ").first { $0.contains("/adminconsent?") }.map(String.init)
    }

    /// Runs `body` (a start or resume of `run`) with progress, playing the admin: each time the
    /// run stops waiting on a step this admin does (consent, relay, SPF, MX, lockdown), they do it (confirming
    /// the relay step, which waits for a person) and resume the run, whose re-checks then see it.
    /// Returns when the run ends or waits on nothing the admin does.
    func drive(
        _ engine: Engine, run: RunID, graph: TaskGraph, done: Set<TaskID> = [],
        _ body: () async throws -> RunResult
    ) async throws -> RunResult {
        var result = try await withProgress(engine, graph: graph, done: done, body)
        while result.state == .waiting {
            let due = result.parkedTasks.compactMap { task in
                Action(task: task.id).flatMap { tenant.settings.admin.contains($0) ? ($0, task) : nil }
            }
            // Each round must do something new, so a step that stays waiting cannot loop forever.
            let fresh = due.filter { performed.first($0.0) }
            guard !fresh.isEmpty else { break }
            for (action, task) in fresh {
                try await perform(action, park: task.park)
                if task.park?.kind == .person && task.confirmation == nil {
                    try await engine.confirm(task.id, in: run, actor: "demo-admin", note: "done in the demo tenant")
                }
            }
            let finished = Set(result.tasks.filter { $0.state == .succeeded || $0.state == .skipped }.map(\.id))
            result = try await withProgress(engine, graph: graph, done: finished) {
                try await engine.resume(run, graph: graph, options: ResumeOptions(actor: "demo-admin"))
            }
        }
        return result
    }
}
