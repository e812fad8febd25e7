import EssentialsOnboarding
import EssentialsOnboardingTesting
import Foundation
import OnboardingEngine
import OnboardingEngineTesting
import TagExternalMail
import TenantSimulator
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("TagExternalMail in the Microsoft 365 workflow, against the simulator", .serialized, .timeLimit(.minutes(2)))
struct TagExternalMailTests {
    /// The transport rules named as the task names its rule.
    static func rules(_ tenant: SimulatedTenant) -> [SimulatorJSON] {
        tenant.simulator.snapshot().tenants[0].transportRules.filter { $0["Name"]?.stringValue == TagExternalMail.ruleName }
    }

    @Test func theWorkflowWithTheTaskRunsToTheEnd() async throws {
        try await SimulatedTenant.with { tenant in
            let graph = try tenant.graph(adding: [TagExternalMail(services: tenant.services)])
            let result = try await tenant.onboard(graph)  // plays consent, relay and SPF as the run waits for them
            #expect(result.state == .succeeded)
            #expect(try result.output(of: TagExternalMail.key) == TagExternalMail.Output(rule: TagExternalMail.ruleName, created: true))
            #expect(Self.rules(tenant).count == 1)

            // Idempotent: run again from the task, nothing more is created.
            try await tenant.engine.retry(from: TagExternalMail.key.id, in: "r", actor: "test")
            let again = try await tenant.finish("r", graph: graph)
            #expect(again.state == .succeeded)
            #expect(try again.output(of: TagExternalMail.key)?.created == false)
            #expect(Self.rules(tenant).count == 1)
        }
    }

    @Test func killedInsideTheTaskAndResumedByAFreshProcess() async throws {
        try await SimulatedTenant.with { tenant in
            try tenant.grantConsent()  // so the child reaches the task before anything waits for a person
            let host = Host(tenant: tenant)

            // The child dies inside the task: the rule exists, its success is not journaled.
            let killed = try await host.run("start", crashAt: "rule-ensured:tag-external-mail")
            #expect(killed == 128 + SIGKILL)
            #expect(Self.rules(tenant).count == 1)
            #expect(try tenant.journal.journal.tasks(of: "r").first { $0.id == TagExternalMail.key.id }?.state == .running)

            // A fresh process resumes: the task runs again and finds its rule; the run then waits for a person.
            #expect(try await host.run("resume") == 3)
            let task = try #require(try tenant.journal.journal.tasks(of: "r").first { $0.id == TagExternalMail.key.id })
            #expect(task.state == .succeeded)
            #expect(task.attempts >= 2, "the crashed attempt counts")
            #expect(try task.decodeOutput(as: TagExternalMail.Output.self)?.created == false)

            // The person's steps, and the run ends, with one rule.
            let graph = try tenant.graph(adding: [TagExternalMail(services: tenant.services)])
            #expect(try await tenant.finish("r", graph: graph).state == .succeeded)
            #expect(Self.rules(tenant).count == 1)
        }
    }
}

/// `CustomTaskHost`, the example's host, as a child process pointed at `tenant`'s simulator and journal.
struct Host {
    let tenant: SimulatedTenant

    /// The built executable, beside the test bundle.
    static let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("CustomTaskHost")

    /// Runs `CustomTaskHost COMMAND` on run `r` and returns its exit status (128 + signal when killed).
    func run(_ command: String, crashAt point: String? = nil) async throws -> Int32 {
        let host = try await ChildProcess.start(
            Self.executable.path,
            arguments: [
                command, tenant.journal.path, "r", tenant.endpoints.base, "\(tenant.endpoints.dnsPort ?? 0)",
                tenant.input.tenantID,
            ],
            environment: point.map { [CrashPoint.environmentVariable: $0] } ?? [:])
        // Awaited, not waited for on a thread: the simulator the child talks to runs on this process's cooperative pool.
        return try await host.exitStatus()
    }
}
