import Foundation
import Logging
import OnboardingEngineTesting
import Testing
import TenantSimulator

@Suite("onboard against a hostile server: no secret on screen or on disk, a far-off retry is a next step", .serialized, .timeLimit(.minutes(2)))
struct HostileServerTests {
    static let clientSecret = "Platypus-Client-Secret-4410"
    static let essentialsPassword = "Numbat-Essentials-Pass-7302"

    static func run(_ arguments: [String], folder: URL) async throws -> OnboardResult {
        try await onboardInBackground(
            arguments,
            environment: [
                "ONBOARD_CLIENT_ID": SimulatedApplication().clientId, "ONBOARD_CLIENT_SECRET": clientSecret,
                "ONBOARD_ESSENTIALS_USER": "admin@msp.example", "ONBOARD_ESSENTIALS_PASSWORD": essentialsPassword,
            ])
    }

    @Test func echoedSecretsAndAHugeRetryAfterNeitherLeakNorStrandTheRun() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let journal = folder.appendingPathComponent("journal.sqlite").path
        var seed = SimulatorConfiguration.default
        seed.application.clientSecret = Self.clientSecret
        seed.essentials.credentials = [EssentialsCredential(user: "admin@msp.example", password: Self.essentialsPassword)]

        var outputs: [String] = []
        try await Simulator.withRunning(configuration: seed, logger: Logger(label: "sim", factory: { _ in SwiftLogNoOpLogHandler() })) {
            simulator, endpoints in
            try simulator.grantConsent(GraphPermission.allGraph)
            // The Essentials call and the token request are answered with pages that echo them.
            simulator.inject(Fault(.essentials, method: "GET", route: "/orgs/{domain}/features", kind: .echo()))
            let started = try await Self.run(
                [
                    "start", "--journal", journal, "--tenant", try simulator.tenantId(), "--org", "contoso.com", "--run", "r1",
                    "--simulator", endpoints.base, "--dns-port", "\(endpoints.dnsPort!)", "--max-idle-seconds", "0",
                ], folder: folder)
            outputs.append(started.output)
            #expect(started.status == 1, "the run failed at feature-entitlement: \(started.output)")
            #expect(started.output.contains("[redacted]"), "the echo was shown, without its secret: \(started.output)")

            simulator.inject(Fault(.identity, method: "POST", route: "/token", kind: .echo()))
            simulator.inject(
                Fault(
                    .graph, method: "GET", route: "/domains",
                    kind: .answer(status: 429, body: #"{"error":{"code":"TooManyRequests","message":"slow"}}"#, headers: ["Retry-After": "999999999"]),
                    trigger: .always))
            for arguments in [["retry", "r1", "feature-entitlement"], ["resume", "r1"], ["retry", "r1", "admin-consent"], ["resume", "r1"]] {
                outputs.append(try await Self.run(arguments + ["--journal", journal], folder: folder).output)
            }
            let shown = try await Self.run(["show", "r1", "--journal", journal, "--json"], folder: folder)
            outputs.append(shown.output)
            let detail = try jsonObject(shown.stdout)
            let steps = try #require(detail["nextSteps"] as? [[String: Any]])
            let step = try #require(steps.first { $0["task"] as? String == "import-domains" }, "\(steps)")
            #expect(step["kind"] as? String == "wait")
            #expect((step["command"] as? String)?.hasPrefix("onboard retry r1 import-domains") == true, "\(step)")
            let tasks = try #require(detail["tasks"] as? [[String: Any]])
            let importDomains = try #require(tasks.first { $0["id"] as? String == "import-domains" })
            let next = try #require((importDomains["nextAttemptAt"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
            #expect(next.timeIntervalSinceNow < 400, "clamped to the task's retry policy, not 31 years ahead: \(next)")
            outputs.append(try await Self.run(["show", "r1", "--journal", journal], folder: folder).output)
        }
        let secrets = [Self.clientSecret, Self.essentialsPassword]
        for output in outputs {
            for secret in secrets { #expect(!output.contains(secret), "printed a secret: \(output)") }
        }
        #expect(outputs.joined().contains("refused the token request"), "the token echo was met and reported")
        for file in [journal, journal + "-wal", journal + "-shm"] {
            guard let bytes = FileManager.default.contents(atPath: file) else { continue }
            for secret in secrets { #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(file) holds a secret") }
        }
    }
}
