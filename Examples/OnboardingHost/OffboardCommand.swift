import ArgumentParser
import EssentialsOnboarding
import Foundation
import OnboardingEngine

/// `onboard offboard`: takes a tenant off Essentials with the offboarding workflow
/// (``EssentialsOffboarding``). Without `--apply` it prints the plan — what each step would
/// change, read from the tenant — and changes nothing; with it, it journals and runs an
/// offboarding run, which resumes like any other (`onboard resume`, `onboard serve`).
struct OffboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "offboard", abstract: "Take a tenant off Essentials (a plan only, unless --apply).",
        discussion: """
            Give the onboarding run (--run RUN: its tenant, org and endpoints are reused; a demo run's \
            simulated tenant is started again) or the tenant itself (--tenant T --org D, with --simulator or \
            --region as for `onboard start`, and its credentials). The offboarding run's id is \
            offboard-RUN (or offboard-T) unless --id says otherwise.

            \(ExitStatus.helpText)
            """)

    @OptionGroup var journalOption: JournalOption
    @OptionGroup var actorOption: ActorOption
    @Option(name: .customLong("run"), help: "The onboarding run whose tenant to take off.") var onboardingRun: String?
    @Option(help: "The Microsoft 365 tenant id (or one of its verified domains), without --run.") var tenant: String?
    @Option(help: "The Essentials organization's primary domain, without --run.") var org: String?
    @Option(help: "The Essentials region, for the real cloud (us1…us5, eu1), without --run.") var region: String = "us1"
    @Option(help: "A simulator's base URL instead of the real cloud, without --run.") var simulator: String?
    @Option(help: "The simulator's DNS port, without --run.") var dnsPort: Int?
    @Option(help: "A file with the credentials as KEY=VALUE lines.") var credentialsFile: String?
    @Option(name: .customLong("id"), help: "The offboarding run's id.") var offboardingID: String?
    @Flag(help: "Also remove the tenant's domains from the Essentials org (once mail no longer flows there).")
    var removeDomains = false
    @Flag(help: "Also turn off the Essentials org's Azure directory sync.") var turnOffSync = false
    @Flag(help: "Make the changes: start (and drive) the offboarding run. Without it, only the plan is printed.")
    var apply = false
    @Option(help: "Park instead of waiting in-process when nothing can run for this many seconds.") var maxIdleSeconds: Int = 300

    func validate() throws {
        if onboardingRun == nil && (tenant == nil || org == nil) {
            throw ValidationError("Give the onboarding run (--run RUN), or the tenant and org (--tenant T --org D).")
        }
        if onboardingRun != nil && (tenant != nil || org != nil || simulator != nil) {
            throw ValidationError("--run takes the tenant, org and endpoints from that run: leave out --tenant, --org and --simulator.")
        }
        if maxIdleSeconds < 0 { throw ValidationError("--max-idle-seconds must not be negative.") }
        if let dnsPort, !(1...65_535).contains(dnsPort) { throw ValidationError("--dns-port must be between 1 and 65535.") }
    }

    func run() async throws {
        if let onboardingRun {
            try await SupportSession.with(journalOption) { session in
                let record = try await session.run(onboardingRun)
                guard record.workflow == EssentialsWorkflow.name else {
                    throw ValidationFailure("Run '\(record.id)' is not an onboarding (it follows '\(record.workflow)').")
                }
                // An onboarding still under way would go on re-creating what this removes: it ends here.
                if apply, ![.succeeded, .cancelled].contains(record.state) {
                    _ = try await session.engine.cancel(
                        record.id, actor: actorOption.name, reason: "the tenant is being taken off Essentials")
                    print("Cancelled the onboarding run \(record.id) (it was \(record.state)).")
                }
                // Journaled as the onboarding journaled it (a demo tenant's file by name); run with it resolved.
                let journaled = withChoices(try record.decodeInput(as: M365Host.RunInput.self))
                let live = withChoices(try session.input(of: record))
                try await offboard(journaled: journaled, live: live, id: RunID(offboardingID ?? "offboard-\(record.id)"), session: session)
            }
            return
        }
        let input = withChoices(try standaloneInput())
        guard apply else {
            let graph = try M365Host.graph(input: input, credentialsFile: credentialsFile, workflow: EssentialsOffboarding.name)
            return try printPlan(try await PlanCommand.planNewRun(graph, input: input))
        }
        try await SupportSession.with(journalOption, access: .creating) { session in
            try await offboard(journaled: input, live: input, id: RunID(offboardingID ?? "offboard-\(input.tenantID)"), session: session)
        }
    }

    /// The input for `--tenant`/`--org`, with the endpoints `onboard start` would use.
    private func standaloneInput() throws -> M365Host.RunInput {
        let endpoints = try M365Host.endpoints(simulator: simulator, dnsPort: dnsPort, region: region)
        return M365Host.RunInput(OnboardingInput(tenantID: tenant ?? "", essentialsOrg: org ?? ""), endpoints: endpoints)
    }

    /// `input` with this command's Essentials choices, and a demo admin who also does the
    /// offboarding's manual steps (unless the demo was told to do none).
    private func withChoices(_ input: M365Host.RunInput) -> M365Host.RunInput {
        var input = input
        input.removeEssentialsDomains = removeDomains
        input.turnOffDirectorySync = turnOffSync
        if let admin = input.demo?.admin, !admin.isEmpty {
            input.demo?.admin = Array(Set(admin + [.dnsBack, .removeApp])).sorted { $0.rawValue < $1.rawValue }
        }
        return input
    }

    /// Plans (without `--apply`) or starts and drives the offboarding run `id`.
    private func offboard(
        journaled: M365Host.RunInput, live: M365Host.RunInput, id: RunID, session: SupportSession
    ) async throws {
        if apply, let existing = try? await session.engine.run(id) {
            throw EngineError(
                .runExists,
                "Run '\(id)' already exists (\(existing.workflow), \(existing.state)): continue it with `onboard resume \(id) --journal \(session.journal.location)`, or choose another --id.",
                runID: id)
        }
        try await session.withLiveGraph(for: live, workflow: EssentialsOffboarding.name) { graph, admin in
            guard apply else { return try printPlan(try await PlanCommand.planNewRun(graph, input: journaled)) }
            print("Offboarding tenant \(journaled.tenantID) from Essentials org \(journaled.essentialsOrg) (run \(id))")
            fflush(nil)
            // A demo run parks soon, so its admin gets a turn (as `onboard demo` does).
            let options = RunOptions(maxIdleWait: admin == nil ? .seconds(maxIdleSeconds) : DemoTenant.maxIdleWait)
            let start = { try await session.engine.start(graph, id: id, input: journaled, options: options) }
            let result =
                if let admin {
                    try await admin.drive(session.engine, run: id, graph: graph, start)
                } else {
                    try await withProgress(session.engine, graph: graph, start)
                }
            try session.report(result)
        }
    }

    /// Each offboarded tenant (by tenant id) and the offboarding run (not cancelled) that took
    /// it off: their onboardings are no longer checked for drift. One read of the runs, then one
    /// per offboarding run, however many onboardings the caller checks.
    static func offboardings(_ engine: Engine) async throws -> [String: RunID] {
        struct Tenant: Decodable { var tenantID: String }
        var offboarded: [String: RunID] = [:]
        for summary in try await engine.runs() where summary.workflow == EssentialsOffboarding.name && summary.state != .cancelled {
            if let tenant = try? await engine.run(summary.id).decodeInput(as: Tenant.self) { offboarded[tenant.tenantID] = summary.id }
        }
        return offboarded
    }

    /// Prints the plan and how to apply it.
    private func printPlan(_ plan: Plan) throws {
        print(PlanCommand.text(PlanReport(plan)), terminator: "")
        print("Nothing was changed. Make these changes with the same command and --apply.")
    }
}
