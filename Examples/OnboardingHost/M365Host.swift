import AsyncHTTPClient
import EssentialsOnboarding
import Foundation
import OnboardingEngine

/// How `onboard` runs the Microsoft 365 workflow: credentials from the environment or a file,
/// endpoints journaled with the run (they are not secret) so support commands can rebuild the
/// graph for a run without being told again where the services are.
enum M365Host {
    /// The run input `onboard start` journals: the workflow's ``OnboardingInput`` fields, flat (the
    /// tasks decode those and ignore the rest), plus the endpoints the run talks to.
    struct RunInput: Codable, Sendable {
        var tenantID: String
        var essentialsOrg: String
        var syncFrequencyHours: Int
        var consentRedirectURI: String
        var consentState: String
        var isParentOrg: Bool
        var login: String
        var graph: String
        var exchange: String
        var essentials: String
        var nameserver: String?
        /// For a demo run: its simulated tenant, which support commands start again (on new ports)
        /// instead of calling the endpoints above.
        var demo: DemoTenant.Settings?
        /// For an offboarding run (``OffboardingInput``): also remove the domains from Essentials.
        var removeEssentialsDomains: Bool?
        /// For an offboarding run: also turn off Essentials' directory sync.
        var turnOffDirectorySync: Bool?

        init(_ input: OnboardingInput, endpoints: ServiceEndpoints) {
            tenantID = input.tenantID
            essentialsOrg = input.essentialsOrg
            syncFrequencyHours = input.syncFrequencyHours
            consentRedirectURI = input.consentRedirectURI
            consentState = input.consentState
            isParentOrg = input.isParentOrg
            login = endpoints.login.absoluteString
            graph = endpoints.graph.absoluteString
            exchange = endpoints.exchange.absoluteString
            essentials = endpoints.essentials.absoluteString
            nameserver = endpoints.nameserver
        }

        /// The workflow's own input.
        var onboardingInput: OnboardingInput {
            OnboardingInput(
                tenantID: tenantID, essentialsOrg: essentialsOrg, syncFrequencyHours: syncFrequencyHours,
                consentRedirectURI: consentRedirectURI, consentState: consentState, isParentOrg: isParentOrg)
        }

        var endpoints: ServiceEndpoints {
            get throws {
                guard let login = URL(string: login), let graph = URL(string: graph), let exchange = URL(string: exchange),
                    let essentials = URL(string: essentials)
                else { throw EngineError(.invalidValue, "The run's journaled endpoints are not URLs.") }
                return ServiceEndpoints(login: login, graph: graph, exchange: exchange, essentials: essentials, nameserver: nameserver)
            }
        }
    }

    /// The environment variables credentials come from. The application signs in with
    /// `ONBOARD_CLIENT_SECRET`, or with a certificate: `ONBOARD_CLIENT_CERTIFICATE_FILE` (PEM) and
    /// `ONBOARD_CLIENT_KEY_FILE` (its RSA private key, PEM, readable by its owner only).
    static let variables = ["ONBOARD_CLIENT_ID", "ONBOARD_CLIENT_SECRET", "ONBOARD_ESSENTIALS_USER", "ONBOARD_ESSENTIALS_PASSWORD"]

    /// Reads the credentials from `file` (KEY=VALUE lines; it must be readable by its owner only)
    /// or, without one, from the environment.
    static func credentials(file: String?) throws -> OnboardingCredentials {
        var values = ProcessInfo.processInfo.environment
        if let file {
            try requireOwnerOnly(file, what: "credentials file")
            values = [:]
            for line in try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if parts.count == 2, !parts[0].hasPrefix("#") { values[parts[0]] = parts[1] }
            }
        }
        let certificateFile = values["ONBOARD_CLIENT_CERTIFICATE_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        let keyFile = values["ONBOARD_CLIENT_KEY_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        let usesCertificate = certificateFile != nil || keyFile != nil
        var required = variables.filter { !(usesCertificate && $0 == "ONBOARD_CLIENT_SECRET") }
        if usesCertificate { required += ["ONBOARD_CLIENT_CERTIFICATE_FILE", "ONBOARD_CLIENT_KEY_FILE"] }
        let missing = required.filter { (values[$0] ?? "").isEmpty }
        guard missing.isEmpty else {
            throw ValidationFailure("Missing credentials: \(missing.joined(separator: ", ")). Set them in the environment or in --credentials-file; never on the command line.")
        }
        let (clientID, user, password) = (values["ONBOARD_CLIENT_ID"]!, values["ONBOARD_ESSENTIALS_USER"]!, values["ONBOARD_ESSENTIALS_PASSWORD"]!)
        guard let certificateFile, let keyFile else {
            return OnboardingCredentials(
                clientID: clientID, clientSecret: values["ONBOARD_CLIENT_SECRET"]!, essentialsUser: user, essentialsPassword: password)
        }
        try requireOwnerOnly(keyFile, what: "client key file")
        do {
            let certificate = try ClientCertificate(
                certificatePEM: String(contentsOfFile: certificateFile, encoding: .utf8),
                privateKeyPEM: String(contentsOfFile: keyFile, encoding: .utf8))
            return OnboardingCredentials(clientID: clientID, certificate: certificate, essentialsUser: user, essentialsPassword: password)
        } catch let error as ServiceError {
            throw ValidationFailure("\(error.message) (certificate \(certificateFile), key \(keyFile))")
        } catch {
            throw ValidationFailure(
                "The client certificate or key could not be read (certificate \(certificateFile), key \(keyFile)): \(FileProblem.describe(error)).")
        }
    }

    /// Refuses a secret-bearing file that others can read.
    private static func requireOwnerOnly(_ file: String, what: String) throws {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: file)
        } catch {
            throw ValidationFailure("The \(what) \(file) cannot be read.")
        }
        if let mode = attributes[.posixPermissions] as? Int, mode & 0o077 != 0 {
            throw ValidationFailure("The \(what) \(file) is readable by others (mode \(String(mode, radix: 8))); chmod 600 it.")
        }
    }

    /// The endpoints `--simulator URL [--dns-port N]` name, or else the real cloud's for `region`.
    static func endpoints(simulator: String?, dnsPort: Int?, region: String) throws -> ServiceEndpoints {
        let endpoints: ServiceEndpoints
        if let simulator {
            guard let base = URL(string: simulator) else { throw ValidationFailure("--simulator must be a URL.") }
            endpoints = .simulator(at: base, dnsPort: dnsPort)
        } else {
            endpoints = try .cloud(essentialsRegion: region)
        }
        try endpoints.validate()
        return endpoints
    }

    /// The workflows `onboard` runs: the onboarding and the offboarding.
    static let workflows = [EssentialsWorkflow.name, EssentialsOffboarding.name]

    /// The graph of `workflow` (the onboarding or the offboarding) for a run with `input`, with
    /// credentials from `file` or the environment (or, for a demo run, the simulator's). The
    /// endpoints are the journaled ones: a demo run's are stale, so use
    /// ``DemoTenant/run(_:creating:_:)`` to run its tasks.
    static func graph(
        input: RunInput, credentialsFile: String?, workflow: String = EssentialsWorkflow.name
    ) throws -> TaskGraph {
        if let demo = input.demo {
            let credentials = DemoTenant.credentials(DemoTenant.simulatorConfiguration(demo))
            let services = try OnboardingServices(
                endpoints: try input.endpoints, credentials: credentials, tenantID: input.tenantID)
            return try graph(workflow, services: services, configuration: DemoTenant.onboardingConfiguration)
        }
        let services = try OnboardingServices(
            endpoints: try input.endpoints, credentials: try credentials(file: credentialsFile),
            tenantID: input.tenantID)
        return try graph(workflow, services: services, configuration: OnboardingConfiguration())
    }

    /// The graph of `workflow` with `services`.
    static func graph(
        _ workflow: String, services: OnboardingServices, configuration: OnboardingConfiguration
    ) throws -> TaskGraph {
        switch workflow {
        case EssentialsOffboarding.name: try EssentialsOffboarding.graph(services: services, configuration: configuration)
        default: try EssentialsWorkflow.graph(services: services, configuration: configuration)
        }
    }

    /// The workflow's graph for describing it (`onboard graph`, `onboard permissions`): built with
    /// the cloud's endpoints and no credentials, and never run.
    static func descriptiveGraph() throws -> TaskGraph {
        let services = try OnboardingServices(
            endpoints: try .cloud(essentialsRegion: "us1"),
            credentials: OnboardingCredentials(clientID: "", clientSecret: "", essentialsUser: "", essentialsPassword: ""),
            tenantID: "")
        return try EssentialsWorkflow.graph(services: services)
    }
}

extension M365Host {
    /// For a parent (channel) org's run whose `child-organizations` task succeeded: starts or
    /// resumes one run per child org with the same endpoints and credentials (see
    /// ``ChildOnboarding``), and prints each child's run and state. Idempotent: `onboard start`
    /// and every `onboard resume` of the parent call it, and no child is started twice.
    static func onboardChildren(
        of parent: RunResult, input: RunInput, engine: Engine, options: RunOptions, actor: String,
        credentialsFile: String?
    ) async throws {
        guard input.isParentOrg, input.demo == nil else { return }
        let outcomes = try await ChildOnboarding.onboardChildren(
            of: parent, input: input.onboardingInput, engine: engine, options: options, actor: actor
        ) { child in
            let childInput = RunInput(child.input, endpoints: try input.endpoints)
            return (try graph(input: childInput, credentialsFile: credentialsFile), childInput)
        }
        guard !outcomes.isEmpty else { return }
        print("Child organizations of \(input.essentialsOrg): one run each")
        for outcome in outcomes {
            switch outcome.result {
            case .success(let result):
                let waits = result.parkedTasks.first.map { "  (\($0.id) waits)" } ?? ""
                print("  \(outcome.child.runID)  \(result.state)\(waits)")
            case .failure(let error):
                print("  \(outcome.child.runID)  not started: \(ExitStatus.failure(for: error).message)")
            }
        }
    }
}

/// A problem with what the user supplied, reported as a usage error.
struct ValidationFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
