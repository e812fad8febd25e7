import ArgumentParser
import EssentialsOnboarding
import Foundation
import OnboardingEngine
import TenantSimulator

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// `onboard demo`: with no set-up, starts the simulator in this process, onboards its seeded
/// tenant with the real Microsoft 365 workflow and live progress, and plays the admin's manual
/// parts (consent, relay, SPF, MX, lockdown) so the run completes.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Onboard a simulated tenant end to end, with live progress.",
        discussion: """
            The simulated Microsoft 365 tenant and Essentials organization run inside this process; \
            their state is kept in a file next to the journal (for a PostgreSQL journal, in \
            $XDG_STATE_HOME/onboard/postgres/HOST-PORT-DATABASE), so after --crash-after (or Ctrl-C, or \
            kill -9) `onboard resume RUN` meets the same tenant and finishes the run.

            \(ExitStatus.helpText)
            """)

    @OptionGroup var journalOption: JournalOption

    @Option(help: "Stop the process abruptly (SIGKILL) right after this task succeeds, to try `onboard resume`.")
    var crashAfter: String?

    @Flag(help: "The admin does none of the manual steps: the run waits for admin consent.")
    var noAdmin = false

    @Option(help: "A manual step the admin leaves undone: consent, relay, spf, mx or lockdown (repeatable).")
    var adminSkips: [DemoAdmin.Action] = []

    @Option(help: "Make this task fail for good in this process, to leave the run failed (try `onboard retry`).")
    var fail: [String] = []

    @Option(help: "How many users the tenant has.") var users: Int = 25
    @Option(help: "How many groups the tenant has.") var groups: Int = 4
    @Option(help: "The seed the tenant's ids, users and groups derive from.") var seed: UInt64 = 1

    @Option(help: "Seconds grants take to replicate and reach Exchange (the real cloud takes minutes).")
    var propagation: Double = 1

    @Option(help: "Milliseconds added to every call the simulated services answer.") var latency: Int = 0

    func validate() throws {
        if users < 1 || groups < 0 { throw ValidationError("--users must be at least 1 and --groups not negative.") }
        if propagation < 0 || latency < 0 { throw ValidationError("--propagation and --latency must not be negative.") }
        // Task names are checked before anything is written, so a typo leaves no journal behind.
        let graph = try M365Host.descriptiveGraph()
        for (option, task) in fail.map({ ("--fail", $0) }) + (crashAfter.map { [("--crash-after", $0)] } ?? [])
        where graph.descriptor(for: TaskID(task)) == nil {
            throw ValidationError(
                "\(option) names '\(task)', which is not a task of the workflow (see `onboard graph`).")
        }
    }

    /// The demo tenant's settings from these options, kept in `stateFile` (`onboard plan` uses
    /// the defaults' through `DemoCommand.parse([])`).
    func settings(stateFile: String) -> DemoTenant.Settings {
        let admin = noAdmin ? [] : DemoAdmin.Action.allCases.filter { !adminSkips.contains($0) }
        return DemoTenant.Settings(
            stateFile: stateFile, seed: seed, users: users, groups: groups, propagationSeconds: propagation,
            admin: admin)
    }

    func run() async throws {
        let (runID, result, location) = try await journalOption.withJournal(.creating) { journal in
            let engine = journal.engine(configuration: crashConfiguration(location: journal.location))
            let runID = try await Self.newRunID(in: engine)
            // Journaled by name, in the journal's demo folder (beside a journal file: a copied journal
            // and its tenant file go together).
            let settings = settings(stateFile: "\(runID).tenant.json").resolved(in: journal.demoFolder)
            let stateFile = settings.stateFile
            do {
                if !journal.isFile { try Self.createDemoFolder(journal.demoFolder) }
                let result = try await demo(
                    settings: settings, journaled: "\(runID).tenant.json", runID: runID, engine: engine)
                return (runID, result, journal.location)
            } catch {
                // A run that was never journaled leaves no tenant file behind.
                if (try? await engine.run(runID)) == nil { try? FileManager.default.removeItem(atPath: stateFile) }
                throw error
            }
        }
        print("\nRun \(runID): \(result.state)")
        for task in result.parkedTasks { print("  \(task.id) waits: \(task.park?.message ?? "")") }
        print("Journal: \(location)")
        print("Inspect it with: onboard show \(runID) --journal \(location)")
        if result.state != .succeeded {
            print(
                "Continue it with: onboard resume \(runID) --journal \(location)  (see `onboard show` for what it needs)"
            )
        }
        let status = ExitStatus.status(for: result.state)
        if status != ExitStatus.succeeded { throw ExitCode(status) }
    }

    /// Runs the demo against its tenant, created from `settings`, playing the admin.
    private func demo(
        settings: DemoTenant.Settings, journaled stateFile: String, runID: RunID, engine: Engine
    ) async throws -> RunResult {
        try await DemoTenant.run(settings, creating: true) { tenant in
            let graph = try tenant.graph(failing: Set(fail.map { TaskID($0) }))
            if latency > 0 {
                for service in [SimulatedService.identity, .graph, .exchange, .essentials] {
                    tenant.simulator.inject(Fault(service, kind: .latency(.milliseconds(latency)), trigger: .always))
                }
            }
            print("Onboarding tenant 'contoso' to Essentials org '\(DemoTenant.organization)' (run \(runID))")
            print("  simulated Microsoft 365 and Essentials: \(tenant.endpoints.graph.deletingLastPathComponent())")
            print("  the tenant's state: \(settings.stateFile)")
            fflush(nil)
            var input = try tenant.runInput
            input.demo?.stateFile = stateFile
            return try await tenant.admin.drive(engine, run: runID, graph: graph) {
                try await engine.start(
                    graph, id: runID, input: input, options: RunOptions(maxIdleWait: DemoTenant.maxIdleWait))
            }
        }
    }

    /// An engine configuration that kills this process right after `--crash-after`'s task
    /// succeeds and its success is committed.
    private func crashConfiguration(location: String) -> EngineConfiguration {
        var configuration = EngineConfiguration()
        guard let crashAfter = crashAfter.map({ TaskID($0) }) else { return configuration }
        configuration.commitObserver = { summary in
            if summary.phase == .afterCommit,
                summary.transitions.contains(where: { $0.task == crashAfter && $0.state == .succeeded })
            {
                print(
                    "\n💥 stopping abruptly after '\(crashAfter)' (SIGKILL). "
                        + "Finish with: onboard resume \(summary.runID) --journal \(location)")
                fflush(nil)
                kill(getpid(), SIGKILL)
            }
        }
        return configuration
    }

    /// Creates the folder a PostgreSQL journal's demo tenants are kept in (owner only), on this host.
    private static func createDemoFolder(_ folder: URL) throws {
        do {
            try FileManager.default.createDirectory(
                at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw SimulatorError(
                .stateFile,
                "The folder for the demo tenants' state files, \(folder.path), cannot be created: \(FileProblem.describe(error))."
            )
        }
    }

    /// `demo-` and the time, unique in the journal of `engine`.
    static func newRunID(in engine: Engine) async throws -> RunID {
        let base = "demo-\(Int(Date().timeIntervalSince1970))"
        let taken = Set(try await engine.runs().map(\.id.rawValue))
        let id = taken.contains(base) ? (2...).lazy.map { "\(base)-\($0)" }.first { !taken.contains($0) }! : base
        return RunID(id)
    }
}
