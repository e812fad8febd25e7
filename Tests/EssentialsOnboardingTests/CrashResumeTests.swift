import EssentialsOnboarding
import EssentialsOnboardingTesting
import Foundation
import Logging
import OnboardingEngine
import OnboardingEngineTesting
import Testing
import TenantSimulator

#if canImport(Glibc)
import Glibc
#endif

/// Runs `WorkflowHarness` (built with the tests) against a simulator in this process.
struct WorkflowProcess {
    static let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("WorkflowHarness")

    let journal: String
    let endpoints: SimulatorEndpoints
    let tenantID: String

    /// The run's id in the journal.
    var runID = "run"

    func launch(_ command: String) throws -> Process {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = [command, journal, runID, endpoints.base, "\(endpoints.dnsPort!)", tenantID]
        let application = SimulatedApplication()
        var environment = ProcessInfo.processInfo.environment
        environment["ONBOARD_CLIENT_ID"] = application.clientId
        environment["ONBOARD_CLIENT_SECRET"] = application.clientSecret
        environment["ONBOARD_ESSENTIALS_USER"] = "admin@msp.example"
        environment["ONBOARD_ESSENTIALS_PASSWORD"] = "essentials-password"
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs `command` to its end. Waits without blocking a thread: the child talks to the
    /// simulator in this process, which needs one.
    func status(_ command: String) async throws -> Int32 {
        await ChildProcess.exitStatus(of: try launch(command))
    }
}

@Suite("The onboarding killed with SIGKILL and resumed by a fresh process", .serialized, .timeLimit(.minutes(5)))
struct CrashResumeTests {
    @Test func twentyRandomKillsThenResumeOnboardEachTenantExactlyOnce() async throws {
        var generator = SystemRandomNumberGenerator()
        var killedMidRun = 0
        for trial in 0..<20 {
            try await SimulatedTenant.with { tenant in
                try tenant.simulator.grantConsent(GraphPermission.allGraph)
                tenant.updateSPF()
                // A little latency on every call stretches the run, so random kills land inside it.
                _ = tenant.simulator.inject(Fault(match: FaultMatch(), kind: .latency(.milliseconds(8)), trigger: .always))
                let process = WorkflowProcess(
                    journal: tenant.journal.path, endpoints: tenant.endpoints, tenantID: try tenant.simulator.tenantId())
                let first = try process.launch("start")
                // Kill at a random point of the run itself, whatever the process's start-up took.
                for _ in 0..<1000 where (try? tenant.journal.journal.run("run")) == nil {
                    try await Task.sleep(for: .milliseconds(5))
                }
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...150, using: &generator)))
                kill(first.processIdentifier, SIGKILL)
                if await ChildProcess.exitStatus(of: first) == 128 + SIGKILL { killedMidRun += 1 }

                var status = try await process.status("resume")
                if status == 4, (try? tenant.journal.journal.run("run")) == nil {
                    status = try await process.status("start")  // killed before the run was journaled
                }
                #expect(status == 3, "trial \(trial): the run parks on the relay confirmation (exit \(status))")
                try await tenant.enableRelay(run: "run")
                #expect(try await process.status("resume") == 0, "trial \(trial)")

                let microsoft = tenant.simulator.snapshot().tenants[0]
                #expect(microsoft.inboundConnectors.count == 1, "trial \(trial)")
                #expect(microsoft.outboundConnectors.count == 1, "trial \(trial)")
                #expect(microsoft.outboundConnectors.first?["Enabled"]?.boolValue == true, "trial \(trial)")
                #expect(microsoft.transportRules.count == 1, "trial \(trial)")
                #expect(microsoft.directoryRoleAssignments.count == 1, "trial \(trial)")
                let journal = tenant.journal.journal
                let successes = try journal.events(of: "run").filter { $0.action == "task.succeeded" }.compactMap(\.taskID)
                #expect(successes.count == Set(successes).count, "trial \(trial): an output recorded twice")
                #expect(Set(successes).count == tenant.graph.descriptors.count, "trial \(trial)")
                #expect(try journal.integrityCheck() == ["ok"])
            }
        }
        #expect(killedMidRun >= 10, "most kills should land mid-run")
    }
}
