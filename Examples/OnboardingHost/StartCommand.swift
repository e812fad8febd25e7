import ArgumentParser
import EssentialsOnboarding
import Foundation
import OnboardingEngine

/// `onboard start`: onboards a tenant with the Microsoft 365 workflow against the real cloud or a
/// simulator. Credentials come from the environment (`ONBOARD_CLIENT_ID`, `ONBOARD_CLIENT_SECRET`,
/// `ONBOARD_ESSENTIALS_USER`, `ONBOARD_ESSENTIALS_PASSWORD`) or `--credentials-file`, never from
/// arguments, and are never stored.
struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start", abstract: "Onboard a Microsoft 365 tenant to Proofpoint Essentials.",
        discussion: """
            Credentials: ONBOARD_CLIENT_ID, ONBOARD_CLIENT_SECRET, ONBOARD_ESSENTIALS_USER and \
            ONBOARD_ESSENTIALS_PASSWORD from the environment, or the same KEY=VALUE lines in --credentials-file \
            (mode 600). To sign in with a certificate instead of the secret, set ONBOARD_CLIENT_CERTIFICATE_FILE \
            and ONBOARD_CLIENT_KEY_FILE (PEM; the key file mode 600). They are never written to the journal.

            \(ExitStatus.helpText)
            """)

    @OptionGroup var journalOption: JournalOption
    @Option(help: "The Microsoft 365 tenant id (or one of its verified domains).") var tenant: String
    @Option(help: "The Essentials organization's primary domain.") var org: String
    @Option(help: "The run's id (default: the tenant and a timestamp).") var run: String?
    @Option(help: "Directory sync every N hours, as the admin chose.") var syncHours: Int = 24
    @Option(help: "The Essentials region, for the real cloud (us1…us5, eu1).") var region: String = "us1"
    @Option(help: "A simulator's base URL (from `onboard simulator`) instead of the real cloud.") var simulator: String?
    @Option(help: "The simulator's DNS port, for the SPF check.") var dnsPort: Int?
    @Option(help: "A file with the credentials as KEY=VALUE lines.") var credentialsFile: String?
    @Option(help: "Park instead of waiting in-process when nothing can run for this many seconds.") var maxIdleSeconds: Int = 300
    @Flag(help: "The org is a partner (channel) org: let its customers use integrations and start one run per child org.")
    var parent = false
    @Flag(help: "Only journal the run for a worker (`onboard serve`) to drive; print its id and exit 0.")
    var noWait = false
    @Option(help: "Where the admin-consent link sends the admin back: `onboard serve --http-port`'s /consent/callback.")
    var consentRedirectUri: String?

    func validate() throws {
        if syncHours < 1 { throw ValidationError("--sync-hours must be at least 1.") }
        if maxIdleSeconds < 0 { throw ValidationError("--max-idle-seconds must not be negative.") }
        if let dnsPort, !(1...65_535).contains(dnsPort) { throw ValidationError("--dns-port must be between 1 and 65535.") }
        if let consentRedirectUri, URL(string: consentRedirectUri)?.scheme.map({ ["http", "https"].contains($0) }) != true {
            throw ValidationError("--consent-redirect-uri must be an http(s) URL.")
        }
        if noWait && parent { throw ValidationError("--no-wait does not start child organizations' runs yet; leave out --parent or --no-wait.") }
    }

    func run() async throws {
        let endpoints = try M365Host.endpoints(simulator: simulator, dnsPort: dnsPort, region: region)
        var onboardingInput = OnboardingInput(tenantID: tenant, essentialsOrg: org, syncFrequencyHours: syncHours, isParentOrg: parent)
        if let consentRedirectUri { onboardingInput.consentRedirectURI = consentRedirectUri }
        let input = M365Host.RunInput(onboardingInput, endpoints: endpoints)
        let graph = try M365Host.graph(input: input, credentialsFile: credentialsFile)
        try await SupportSession.with(journalOption, access: .creating) { session in
            let id = RunID(run ?? "\(org)-\(Int(Date().timeIntervalSince1970))")
            // Refused before anything is printed: a refusal writes nothing on stdout.
            if (try? await session.engine.run(id)) != nil {
                throw EngineError(
                    .runExists, "A run with id '\(id)' already exists; resume it (onboard resume \(id)) or choose another id.",
                    runID: id)
            }
            let options = RunOptions(maxIdleWait: .seconds(maxIdleSeconds))
            if noWait {
                try await session.engine.submit(graph, id: id, input: input, options: options)
                print(id)
                if await session.liveWorker() == nil {
                    let journal = session.journal.location
                    FileHandle.standardError.write(
                        Data("No worker serves \(journal) now: start one with `onboard serve --journal \(journal)`.\n".utf8))
                }
                return
            }
            print("Onboarding tenant \(tenant) for \(org) (run \(id))")
            fflush(nil)
            let result = try await withProgress(session.engine, graph: graph) {
                try await session.engine.start(graph, id: id, input: input, options: options)
            }
            try await M365Host.onboardChildren(
                of: result, input: input, engine: session.engine, options: options, actor: "engine",
                credentialsFile: credentialsFile)
            try session.report(result)
        }
    }
}
