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

    func launch(_ command: String) async throws -> ChildProcess {
        let application = SimulatedApplication()
        return try await ChildProcess.start(
            Self.executable.path, arguments: [command, journal, runID, endpoints.base, "\(endpoints.dnsPort!)", tenantID],
            environment: [
                "ONBOARD_CLIENT_ID": application.clientId, "ONBOARD_CLIENT_SECRET": application.clientSecret,
                "ONBOARD_ESSENTIALS_USER": "admin@msp.example", "ONBOARD_ESSENTIALS_PASSWORD": "essentials-password",
            ])
    }

    /// Runs `command` to its end.
    func status(_ command: String) async throws -> Int32 {
        try await launch(command).exitStatus()
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
                let first = try await process.launch("start")
                // Kill at a random point of the run itself, whatever the process's start-up took.
                for _ in 0..<1000 where (try? tenant.journal.journal.run("run")) == nil {
                    try await Task.sleep(for: .milliseconds(5))
                }
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...150, using: &generator)))
                first.send(SIGKILL)
                if try await first.exitStatus() == 128 + SIGKILL { killedMidRun += 1 }

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
