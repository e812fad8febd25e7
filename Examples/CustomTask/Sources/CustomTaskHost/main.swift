// The example's host for the crash test: the Microsoft 365 workflow with TagExternalMail added,
// pointed at a simulator that the test runs in its own process.
//
//   CustomTaskHost start|resume JOURNAL RUN_ID SIMULATOR_BASE DNS_PORT TENANT_ID
//
// With ONBOARDING_CRASH_POINT=rule-ensured:tag-external-mail the process kills itself with SIGKILL
// inside the task. Exit codes: 0 succeeded, 2 usage, 3 parked, 4 error, 5 failed.
import EssentialsOnboarding
import EssentialsOnboardingTesting  // the simulator's credentials and fast re-checks
import Foundation
import Logging
import OnboardingEngine
import OnboardingEngineTesting  // CrashPoint.handler: only a test host links it
import TagExternalMail

let arguments = CommandLine.arguments
guard arguments.count == 7, ["start", "resume"].contains(arguments[1]), let base = URL(string: arguments[4]),
    let dnsPort = Int(arguments[5])
else {
    FileHandle.standardError.write(Data("usage: CustomTaskHost start|resume JOURNAL RUN_ID SIMULATOR_BASE DNS_PORT TENANT_ID\n".utf8))
    exit(2)
}
let (command, journalPath, runID, tenantID) = (arguments[1], arguments[2], RunID(arguments[3]), arguments[6])

do {
    // What a production host does, but with the simulator's endpoints and credentials.
    let services = try SimulatedTenant.services(.simulator(at: base, dnsPort: dnsPort), tenantID: tenantID)
    let tasks = EssentialsWorkflow.tasks(services: services, configuration: SimulatedTenant.configuration)
        + [TagExternalMail(services: services)]
    let graph = try TaskGraph(workflow: EssentialsWorkflow.name, tasks: tasks)

    // The crash points: no-ops unless a handler is installed, which only this test host does.
    var configuration = EngineConfiguration()
    configuration.crashPointHandler = CrashPoint.handler
    let engine = Engine(
        journal: try Journal(path: journalPath), configuration: configuration,
        logger: Logger(label: "custom-task-host", factory: { _ in SwiftLogNoOpLogHandler() }))

    let result: RunResult
    if command == "start" {
        let input = OnboardingInput(tenantID: tenantID, essentialsOrg: SimulatedTenant.essentialsOrg)
        result = try await engine.start(graph, id: runID, input: input, options: RunOptions(maxIdleWait: .seconds(2)))
    } else {
        result = try await engine.resume(runID, graph: graph, options: ResumeOptions(maxIdleWait: .seconds(2)))
    }
    print("state=\(result.state.rawValue)")
    exit(result.state == .succeeded ? 0 : result.state.isParked ? 3 : 5)
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(4)
}
