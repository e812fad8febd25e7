import Foundation
import Logging
import TenantSimulator
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@Suite("onboard demo, run as a process", .serialized)
struct DemoTests {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("onboard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    var journal: String { folder.appendingPathComponent("journal.sqlite").path }

    /// The demo tenant as its state file left it, read by a simulator seeded as the demo seeds it.
    func tenant(of runID: String) throws -> SimulatorSnapshot {
        var configuration = SimulatorConfiguration()
        configuration.tenants = [TenantSeed(name: "contoso", seed: 1, userCount: 25, groupCount: 4)]
        let path = folder.appendingPathComponent("\(runID).tenant.json").path
        return try Simulator(
            configuration: configuration, stateFile: path,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        ).snapshot()
    }

    /// Exactly what the guide asks for: one of each Exchange object, the outbound connector on,
    /// relay on, SPF including Essentials, the directory synced; and, after the demo's admin
    /// pointed MX at Essentials and ended the audit period, inbound mail locked to Essentials.
    func expectOnboarded(_ snapshot: SimulatorSnapshot, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let microsoft = try #require(snapshot.tenants.first, sourceLocation: sourceLocation)
        #expect(microsoft.inboundConnectors.count == 1, sourceLocation: sourceLocation)
        #expect(microsoft.outboundConnectors.count == 1, sourceLocation: sourceLocation)
        #expect(microsoft.outboundConnectors.first?["Enabled"]?.boolValue == true, sourceLocation: sourceLocation)
        #expect(microsoft.transportRules.count == 2, "the bypass rule and the lockdown's audit rule", sourceLocation: sourceLocation)
        #expect(
            microsoft.inboundConnectors.first?["RestrictDomainsToIPAddresses"]?.boolValue == true, sourceLocation: sourceLocation)
        #expect(snapshot.mxRecords["mail.contoso.com"] == ["mx1-us1.ppe-hosted.com", "mx2-us1.ppe-hosted.com"], sourceLocation: sourceLocation)
        let org = try #require(
            snapshot.essentialsOrganizations.first { $0.domain == "contoso.com" }, sourceLocation: sourceLocation)
        let domains = org.domains.compactMap { $0["name"]?.stringValue }.sorted()
        #expect(domains == ["contoso.com", "mail.contoso.com"], "not the onmicrosoft.com one", sourceLocation: sourceLocation)
        #expect(org.domains.allSatisfy { $0["is_relay"]?.boolValue == true }, sourceLocation: sourceLocation)
        #expect(org.azureSettings["first_sync_done"]?.boolValue == true, sourceLocation: sourceLocation)
        #expect(org.users.count == 25, sourceLocation: sourceLocation)
        for domain in domains {
            #expect(
                snapshot.dnsRecords[domain]?.contains { $0.contains("include:_spf-us.ppe-hosted.com") } == true,
                "\(domain)", sourceLocation: sourceLocation)
        }
    }

    @Test func theDemoOnboardsTheSimulatedTenantPlayingTheAdmin() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let (status, output) = try await onboard(["demo", "--journal", journal])
        #expect(status == 0, "\(output)")
        #expect(output.contains("👤 admin: opening the consent link"))
        #expect(output.contains("👤 admin: enabling relay"))
        #expect(output.contains("👤 admin: adding include:_spf-us.ppe-hosted.com"))
        #expect(output.contains("↻ service-principals retrying"), "replication lag is visible")
        #expect(output.contains("⏸ spf-check waiting"), "the parked step is visible")
        #expect(output.contains("█████████████████"), "the bar fills")
        #expect(output.contains("Journal: \(journal)"))
        let runID = try #require(output.split(separator: "\n").first { $0.hasPrefix("Run demo-") }?
            .split(separator: " ")[1].dropLast())
        #expect(output.contains("Inspect it with: onboard show \(runID) --journal \(journal)"))
        let runs = try await onboard(["runs", "--journal", journal])
        var row = runsTable(runs.output).first { $0["RUN"] == String(runID) }
        #expect(row?.removeValue(forKey: "TENANT")?.isEmpty == false, "the demo tenant's id: \(runs.output)")
        #expect(
            row == [
                "RUN": String(runID), "STATE": "succeeded", "WORKFLOW": "m365-essentials-onboarding", "ORG": "contoso.com",
                "STOPPED AT": "-", "ERROR": "-", "TASKS": "20 succeeded",
            ], "\(runs.output)")
        try expectOnboarded(try tenant(of: String(runID)))
    }

    @Test func aDemoKilledMidwayIsFinishedByResumeAgainstTheSameTenant() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let crashed = try await onboard(["demo", "--journal", journal, "--crash-after", "inbound-connector"])
        #expect(crashed.status == 128 + 9, "\(crashed.output)")
        #expect(crashed.output.contains("stopping abruptly after 'inbound-connector'"))
        let runID = try #require(
            crashed.output.split(separator: "\n").first { $0.hasPrefix("Onboarding tenant") }?
                .split(separator: " ").last?.trimmingCharacters(in: CharacterSet(charactersIn: "()")))
        let halfway = try tenant(of: runID)
        #expect(halfway.tenants.first?.inboundConnectors.count == 1, "the connector was made before the kill")
        #expect(halfway.tenants.first?.outboundConnectors.first?["Enabled"]?.boolValue != true)

        let resumed = try await onboard(["resume", runID, "--journal", journal])
        #expect(resumed.status == 0, "\(resumed.output)")
        #expect(resumed.output.contains("Demo run: its simulated tenant was started again from"))
        #expect(resumed.output.contains("Run \(runID): succeeded"))
        #expect(!resumed.output.contains("▸ inbound-connector started"), "finished work is not redone")
        let shown = try await onboard(["show", runID, "--journal", journal])
        #expect(shown.output.contains("run.resumed"), "\(shown.output)")
        try expectOnboarded(try tenant(of: runID))
    }

    @Test func aDemoTenantFileThatIsNotOneOrIsGoneStopsResumeAndNothingIsWritten() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let crashed = try await onboard(["demo", "--journal", journal, "--crash-after", "import-domains"])
        let runID = try #require(
            crashed.output.split(separator: "\n").first { $0.hasPrefix("Onboarding tenant") }?
                .split(separator: " ").last?.trimmingCharacters(in: CharacterSet(charactersIn: "()")))
        let file = folder.appendingPathComponent("\(runID).tenant.json").path
        try "not a tenant".write(toFile: file, atomically: true, encoding: .utf8)
        func timeline() async throws -> Int {
            await (try jsonObject(try onboard(["show", runID, "--journal", journal, "--json"]).output)["timeline"] as? [Any])?
                .count ?? -1
        }
        let before = try await timeline()
        let resumed = try await runOnboard(["resume", runID, "--journal", journal])
        expectOneLineError(resumed, status: 4, containing: "is not a TenantSimulator state file")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "not a tenant")
        await #expect(try timeline() == before, "nothing written to the journal")

        // A missing tenant file is an error too, never a fresh tenant.
        try FileManager.default.removeItem(atPath: file)
        for command in [["resume", runID], ["confirm", runID, "enable-relay"], ["plan", "--run", runID]] {
            let result = try await runOnboard(command + ["--journal", journal])
            expectOneLineError(result, status: 4, containing: "There is no simulator state file")
        }
        #expect(!FileManager.default.fileExists(atPath: file))
        await #expect(try timeline() == before, "nothing written to the journal")
    }
}

@Suite("onboard simulator")
struct SimulatorCommandTests {
    @Test func printsItsURLsAndServesTheInspectionEndpoint() async throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("onboard")
        let stateFile = FileManager.default.temporaryDirectory.appendingPathComponent("simulator-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: stateFile) }
        let process = try await CapturedProcess.start(
            ["simulator", "--users", "7", "--state", stateFile.path], executable: binary)
        defer { process.child.send(SIGTERM) }

        var output = ""
        for _ in 0..<200 where !output.contains("through the environment") {
            try await Task.sleep(for: .milliseconds(25))
            output = process.stdoutSoFar
        }
        let line = try #require(output.split(separator: "\n").first { $0.contains("inspection:") })
        let url = try #require(URL(string: String(line.split(separator: " ").last!)))
        #expect(url.absoluteString.hasPrefix("http://127.0.0.1:"))
        let (data, response) = try await URLSession.shared.data(from: url)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        let state = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let tenants = state?["tenants"] as? [[String: Any]]
        #expect(tenants?.first?["userCount"] as? Int == 7)
        #expect(FileManager.default.fileExists(atPath: stateFile.path), "--state keeps the world in the file")

        // The page the banner names for the secrets has them.
        let page = try #require(output.split(separator: " ").first { $0.hasPrefix("Docs/") && $0.contains(".md") })
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent(String(page.prefix { $0 != " " && $0 != "(" && $0 != ";" })), encoding: .utf8)
        let application = SimulatedApplication()
        for secret in [application.clientId, application.clientSecret, "admin@msp.example", "essentials-password"] {
            #expect(text.contains(secret), "\(page) does not give \(secret)")
        }
    }
}
