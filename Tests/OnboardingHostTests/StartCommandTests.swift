import Foundation
import Logging
import Synchronization
import OnboardingEngineTesting
import Testing
import TenantSimulator
import X509
import _CryptoExtras

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

@Suite("onboard start against a simulator, killed and resumed", .serialized, .timeLimit(.minutes(2)))
struct StartCommandTests {
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("onboard")

    static func environment() -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        let application = SimulatedApplication()
        environment["ONBOARD_CLIENT_ID"] = application.clientId
        environment["ONBOARD_CLIENT_SECRET"] = application.clientSecret
        environment["ONBOARD_ESSENTIALS_USER"] = "admin@msp.example"
        environment["ONBOARD_ESSENTIALS_PASSWORD"] = "essentials-password"
        return environment
    }

    static func launch(_ arguments: [String], environment: [String: String] = environment()) async throws -> ChildProcess {
        try await ChildProcess.start(binary.path, arguments: arguments, environment: environment)
    }

    /// Runs `onboard` to its end.
    static func status(_ arguments: [String], environment: [String: String] = environment()) async throws -> Int32 {
        try await launch(arguments, environment: environment).exitStatus()
    }

    @Test func startKilledMidRunThenResumeAndConfirmFinishTheOnboarding() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("start-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let journal = folder.appendingPathComponent("journal.sqlite").path

        try await Simulator.withRunning(logger: Logger(label: "sim", factory: { _ in SwiftLogNoOpLogHandler() })) { simulator, endpoints in
            try simulator.grantConsent(GraphPermission.allGraph)
            for domain in ["contoso.com", "mail.contoso.com", "contoso.onmicrosoft.com"] {
                simulator.setTXTRecords(["v=spf1 include:_spf-us.ppe-hosted.com -all"], for: domain)
            }
            for domain in ["contoso.com", "mail.contoso.com"] {
                simulator.setMXRecords(["mx1-us1.ppe-hosted.com", "mx2-us1.ppe-hosted.com"], for: domain)
            }
            _ = simulator.inject(Fault(match: FaultMatch(), kind: .latency(.milliseconds(20)), trigger: .always))
            let start = [
                "start", "--journal", journal, "--tenant", try simulator.tenantId(), "--org", "contoso.com", "--run", "r1",
                "--simulator", endpoints.base, "--dns-port", "\(endpoints.dnsPort!)", "--max-idle-seconds", "60",
            ]
            let first = try await Self.launch(start)
            for _ in 0..<400 where simulator.requestCount(.exchange, "POST", "Get-InboundConnector") == 0 {
                try await Task.sleep(for: .milliseconds(10))
            }
            first.send(SIGKILL)
            #expect(try await first.exitStatus() == 128 + SIGKILL, "killed mid-run")

            // A fresh process resumes; the run parks on the relay confirmation.
            #expect(try await Self.status(["resume", "r1", "--journal", journal]) == 3)
            try await ServeCommandTests.enableRelay(org: "contoso.com", domains: ["contoso.com", "mail.contoso.com"], endpoints: endpoints)
            // Then on the go-ahead for the inbound lockdown, after its audit period.
            #expect(try await Self.status(["confirm", "r1", "enable-relay", "--journal", journal, "--note", "relay on"]) == 3)
            #expect(simulator.snapshot().tenants[0].inboundConnectors.first?["RestrictDomainsToIPAddresses"]?.boolValue == false)
            #expect(try await Self.status(["confirm", "r1", "inbound-lockdown", "--journal", journal, "--note", "audit clean"]) == 0)

            let tenant = simulator.snapshot().tenants[0]
            #expect(tenant.inboundConnectors.count == 1)
            #expect(tenant.outboundConnectors.count == 1)
            #expect(tenant.outboundConnectors.first?["Enabled"]?.boolValue == true)
            #expect(tenant.inboundConnectors.first?["RestrictDomainsToIPAddresses"]?.boolValue == true)
            #expect(tenant.transportRules.count == 2, "the bypass rule and the lockdown's audit rule")
        }
    }

    @Test func anUnknownRegionIsAUsageErrorNotACrash() async throws {
        let journal = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString).sqlite").path
        let result = try await runOnboard(
            ["start", "--journal", journal, "--tenant", "t", "--org", "o", "--region", "us 1/x"], environment: Self.environment())
        expectOneLineError(result, status: 64, containing: "is not an Essentials region")
        #expect(!FileManager.default.fileExists(atPath: journal))
    }

    @Test func credentialsAreNeverTakenFromArgumentsAndMissingOnesAreAUsageError() async throws {
        var environment = ProcessInfo.processInfo.environment
        for name in ["ONBOARD_CLIENT_ID", "ONBOARD_CLIENT_SECRET", "ONBOARD_ESSENTIALS_USER", "ONBOARD_ESSENTIALS_PASSWORD"] {
            environment[name] = nil
        }
        let journal = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString).sqlite").path
        let status = try await Self.status(
            ["start", "--journal", journal, "--tenant", "t", "--org", "contoso.com", "--simulator", "http://127.0.0.1:1"],
            environment: environment)
        #expect(status == 64)
        #expect(!FileManager.default.fileExists(atPath: journal), "nothing is written")
        #expect(try await Self.status(["start", "--tenant", "t", "--org", "o", "--client-secret", "s"], environment: environment) == 64)
    }

    @Test func aPartnerOrgStartsOneRunPerChildOnceEvenWhenResumed() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("start-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let journal = folder.appendingPathComponent("journal.sqlite").path
        try await Simulator.withRunning(
            configuration: .partner(customers: ["contoso", "fabrikam"], users: 5),
            logger: Logger(label: "sim", factory: { _ in SwiftLogNoOpLogHandler() })
        ) { simulator, endpoints in
            let start = [
                "start", "--journal", journal, "--tenant", try simulator.tenantId("msp"), "--org", "msp.example",
                "--parent", "--run", "msp", "--simulator", endpoints.base, "--dns-port", "\(endpoints.dnsPort!)",
                "--max-idle-seconds", "0",
            ]
            #expect(try await Self.status(start) == 3, "the partner's run waits for its admin's consent")
            #expect(try await Self.status(["resume", "msp", "--journal", journal]) == 3)
        }
        let listing = try await jsonObject(try runOnboard(["runs", "--journal", journal, "--json"]).stdout)
        let runs = try #require(listing["runs"] as? [[String: Any]])
        #expect(Set(runs.compactMap { $0["id"] as? String }) == ["msp", "msp/contoso.com", "msp/fabrikam.com"])
        #expect(runs.allSatisfy { $0["state"] as? String == "waiting" })
        let child = try await jsonObject(try runOnboard(["show", "msp/fabrikam.com", "--journal", journal, "--json"]).stdout)
        let timeline = try #require(child["timeline"] as? [[String: Any]])
        #expect(timeline.filter { $0["action"] as? String == "run.started" }.count == 1)
        #expect(timeline.contains { $0["action"] as? String == "run.resumed" }, "the parent's resume resumed it")
    }

    @Test func aCertificateFileThatCannotBeReadIsSaidInWordsNotAsAFoundationErrorCode() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let keyFile = journal.folder.appendingPathComponent("app.key").path
        _ = FileManager.default.createFile(atPath: keyFile, contents: Data("key".utf8), attributes: [.posixPermissions: 0o600])
        var environment = Self.environment()
        environment["ONBOARD_CLIENT_CERTIFICATE_FILE"] = journal.folder.path  // a folder, not a file
        environment["ONBOARD_CLIENT_KEY_FILE"] = keyFile
        let result = try await journal.run(
            ["start", "--tenant", "t", "--org", "contoso.com", "--simulator", "http://127.0.0.1:1"], environment: environment)
        expectOneLineError(result, status: 64, containing: "Is a directory")
        #expect(result.stderr.contains(journal.folder.path))
        #expect(!result.stderr.contains("NSCocoaErrorDomain") && !result.stderr.contains("Error Domain"), "\(result.stderr)")
    }

    @Test func theApplicationCanSignInWithACertificateFromOwnerOnlyFiles() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("start-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let journal = folder.appendingPathComponent("journal.sqlite").path
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let name = try DistinguishedName { CommonName("onboarding") }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: Date().addingTimeInterval(-60), notValidAfter: Date().addingTimeInterval(3_600), issuer: name,
            subject: name, signatureAlgorithm: .sha256WithRSAEncryption, extensions: Certificate.Extensions(),
            issuerPrivateKey: Certificate.PrivateKey(key))
        let certificatePEM = try certificate.serializeAsPEM().pemString
        let certificateFile = folder.appendingPathComponent("app.crt").path
        let keyFile = folder.appendingPathComponent("app.key").path
        try certificatePEM.write(toFile: certificateFile, atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(
            atPath: keyFile, contents: Data(key.pemRepresentation.utf8), attributes: [.posixPermissions: 0o600])
        var environment = Self.environment()
        environment["ONBOARD_CLIENT_SECRET"] = nil
        environment["ONBOARD_CLIENT_CERTIFICATE_FILE"] = certificateFile
        environment["ONBOARD_CLIENT_KEY_FILE"] = keyFile

        var configuration = SimulatorConfiguration()
        configuration.application.certificates = [certificatePEM]
        try await Simulator.withRunning(
            configuration: configuration, logger: Logger(label: "sim", factory: { _ in SwiftLogNoOpLogHandler() })
        ) { simulator, endpoints in
            try simulator.grantConsent(GraphPermission.allGraph)
            let start = [
                "start", "--journal", journal, "--tenant", try simulator.tenantId(), "--org", "contoso.com", "--run", "c1",
                "--simulator", endpoints.base, "--dns-port", "\(endpoints.dnsPort!)", "--max-idle-seconds", "0",
            ]
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keyFile)
            #expect(try await Self.status(start, environment: environment) == 64, "a key others can read is refused")
            #expect(!FileManager.default.fileExists(atPath: journal))
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyFile)
            #expect(try await Self.status(start, environment: environment) == 3, "it runs until the manual steps")
            #expect(simulator.snapshot().tenants[0].inboundConnectors.count == 1, "tokens for Graph and Exchange worked")
        }
        let shown = try await jsonObject(try runOnboard(["show", "c1", "--journal", journal, "--json"]).stdout)
        let tasks = try #require(shown["tasks"] as? [[String: Any]])
        #expect(tasks.first { $0["id"] as? String == "admin-consent" }?["state"] as? String == "succeeded")
        let text = try ["", "-wal"].filter { FileManager.default.fileExists(atPath: journal + $0) }
            .map { try String(contentsOfFile: journal + $0, encoding: .isoLatin1) }.joined()
        #expect(!text.contains("PRIVATE KEY") && !text.contains(keyFile), "neither the key nor its path is journaled")
    }
}

@Suite("onboard start's output: line by line into a file, nothing on stdout when refused", .serialized, .timeLimit(.minutes(2)))
struct StartOutputTests {
    /// A simulator (no consent granted) and the `onboard start` arguments for run `r1` against it
    /// in a fresh journal, with `maxIdleSeconds`.
    static func withStart(maxIdleSeconds: Int, _ body: ([String]) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let journal = folder.appendingPathComponent("journal.sqlite").path
        try await Simulator.withRunning(logger: Logger(label: "sim", factory: { _ in SwiftLogNoOpLogHandler() })) { simulator, endpoints in
            try await body([
                "start", "--journal", journal, "--tenant", try simulator.tenantId(), "--org", "contoso.com", "--run", "r1",
                "--simulator", endpoints.base, "--dns-port", "\(endpoints.dnsPort!)", "--max-idle-seconds", "\(maxIdleSeconds)",
            ])
        }
    }

    @Test func progressReachesARedirectedStdoutWhileTheProcessRuns() async throws {
        // No consent: the run waits in the process, re-checking, for up to a minute.
        try await Self.withStart(maxIdleSeconds: 60) { start in
            let seen = Mutex<String?>(nil)
            let result = try await onboardInBackground(start, environment: StartCommandTests.environment()) { process, stdout in
                if stdout.contains("admin-consent waiting") {
                    seen.withLock { $0 = stdout }
                    process.send(SIGKILL)
                }
            }
            let stdout = try #require(seen.withLock { $0 }, "the waiting line never reached the file while the process ran: \(result.output)")
            #expect(stdout.contains("/adminconsent?"), "the consent link is there to act on: \(stdout)")
            #expect(result.status == 128 + SIGKILL)
        }
    }

    @Test func aRunIdInUseIsRefusedWithNothingOnStdout() async throws {
        try await Self.withStart(maxIdleSeconds: 0) { start in
            #expect(try await onboardInBackground(start, environment: StartCommandTests.environment()).status == 3)
            let again = try await onboardInBackground(start, environment: StartCommandTests.environment())
            expectOneLineError(again, status: 7, containing: "already exists")
        }
    }
}
