// A host for the real onboarding workflow that the end-to-end crash tests start as a child
// process, point at a simulator running in the test process, and kill with SIGKILL.
//
//   WorkflowHarness start|resume|offboard-start|offboard-resume JOURNAL RUN_ID SIMULATOR_BASE DNS_PORT TENANT_ID
//
// The offboard- commands run the offboarding workflow (removing the Essentials domains and sync too).
//
// Credentials come from the environment (ONBOARD_CLIENT_ID, ONBOARD_CLIENT_SECRET,
// ONBOARD_ESSENTIALS_USER, ONBOARD_ESSENTIALS_PASSWORD), never from arguments.
// Exit codes: 0 succeeded, 2 usage, 3 parked, 4 error, 5 failed.
import AsyncHTTPClient
import EssentialsOnboarding
import Foundation
import Logging
import OnboardingEngine

let arguments = CommandLine.arguments
let commands = ["start", "resume", "offboard-start", "offboard-resume"]
guard arguments.count == 7, commands.contains(arguments[1]), let dnsPort = Int(arguments[5]) else {
    FileHandle.standardError.write(
        Data("usage: WorkflowHarness start|resume|offboard-start|offboard-resume JOURNAL RUN_ID SIMULATOR_BASE DNS_PORT TENANT_ID\n".utf8))
    exit(2)
}
let (command, journalPath, runID, base, tenantID) = (arguments[1], arguments[2], RunID(arguments[3]), arguments[4], arguments[6])
let environment = ProcessInfo.processInfo.environment
let credentials = OnboardingCredentials(
    clientID: environment["ONBOARD_CLIENT_ID"] ?? "", clientSecret: environment["ONBOARD_CLIENT_SECRET"] ?? "",
    essentialsUser: environment["ONBOARD_ESSENTIALS_USER"] ?? "", essentialsPassword: environment["ONBOARD_ESSENTIALS_PASSWORD"] ?? "")
let configuration = OnboardingConfiguration(
    consentRecheck: .milliseconds(50), replicationRetry: .milliseconds(50), spfRecheck: .milliseconds(100),
    exchangeRetry: RetryPolicy(maxAttempts: 40, initialDelay: .milliseconds(50), multiplier: 1.5, maxDelay: .milliseconds(500)),
    inboundLockdown: false)

do {
    guard let baseURL = URL(string: base) else { throw ServiceError(.badRequest, service: .configuration, message: "Not a URL: \(base)") }
    let endpoints = ServiceEndpoints.simulator(at: baseURL, dnsPort: dnsPort)
    let services = try OnboardingServices(
        endpoints: endpoints, credentials: credentials, tenantID: tenantID,
        exchangePropagationRetry: .milliseconds(100))
    let offboarding = command.hasPrefix("offboard-")
    let graph =
        offboarding
        ? try EssentialsOffboarding.graph(services: services, configuration: configuration)
        : try EssentialsWorkflow.graph(services: services, configuration: configuration)
    let engine = Engine(
        journal: try Journal(path: journalPath), logger: Logger(label: "harness", factory: { _ in SwiftLogNoOpLogHandler() }))
    let result: RunResult
    if command == "start" {
        let input = OnboardingInput(tenantID: tenantID, essentialsOrg: "contoso.com", syncFrequencyHours: 24)
        result = try await engine.start(graph, id: runID, input: input, options: RunOptions(maxIdleWait: .seconds(2)))
    } else if command == "offboard-start" {
        let input = OffboardingInput(
            tenantID: tenantID, essentialsOrg: "contoso.com", removeEssentialsDomains: true, turnOffDirectorySync: true)
        result = try await engine.start(graph, id: runID, input: input, options: RunOptions(maxIdleWait: .seconds(2)))
    } else {
        result = try await engine.resume(runID, graph: graph)
    }
    print("state=\(result.state.rawValue)")
    exit(result.state == .succeeded ? 0 : result.state.isParked ? 3 : 5)
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(4)
}
