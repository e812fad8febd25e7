import Foundation
import Testing

@Suite("onboard runs, show, plan, permissions and graph, run as a process", .serialized)
struct ReadCommandTests {
    @Test func runsListsAndFiltersByStateAsTextAndJSON() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let runID = try await journal.demo(["--no-admin"], expecting: 3)

        let text = try await journal.run(["runs"])
        #expect(text.status == 0)
        let row = try #require(runsTable(text.stdout).first { $0["RUN"] == runID }, "\(text.output)")
        #expect(row["STATE"] == "waiting" && row["WORKFLOW"] == "m365-essentials-onboarding", "\(text.output)")

        let waiting = try await jsonObject(try journal.run(["runs", "--state", "waiting", "--json"]).stdout)
        #expect(waiting["schemaVersion"] as? Int == 1)
        let runs = try #require(waiting["runs"] as? [[String: Any]])
        #expect(runs.count == 1)
        #expect(runs.first?["id"] as? String == runID)
        #expect(runs.first?["state"] as? String == "waiting")
        #expect(runs.first?["dryRun"] as? Bool == false)
        #expect((runs.first?["taskCounts"] as? [String: Int])?["pending"] == 17)
        let createdAt = try #require(runs.first?["createdAt"] as? String)
        #expect(ISO8601DateFormatter().date(from: createdAt) != nil, "\(createdAt)")

        let succeeded = try await jsonObject(try journal.run(["runs", "--state", "succeeded", "--json"]).stdout)
        #expect((succeeded["runs"] as? [Any])?.isEmpty == true)
    }

    @Test func runsJSONDecodesWithJSONDecoderAndHasSortedKeys() async throws {
        struct Listing: Decodable {
            struct Run: Decodable {
                var id: String
                var state: String
                var createdAt: Date
                var updatedAt: Date
                var taskCounts: [String: Int]
            }
            var schemaVersion: Int
            var runs: [Run]
        }
        let journal = try TestJournal()
        defer { journal.remove() }
        let runID = try await journal.demo([], expecting: 0)
        let output = try await journal.run(["runs", "--json"]).stdout
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let listing = try decoder.decode(Listing.self, from: Data(output.utf8))
        #expect(listing.runs.map(\.id) == [runID])
        #expect(listing.runs.first?.taskCounts == ["succeeded": 20])
        #expect(try #require(listing.runs.first).updatedAt >= listing.runs.first!.createdAt)
        let keys = ["createdAt", "dryRun", "id", "state", "taskCounts", "updatedAt", "workflow"]
        let positions = keys.compactMap { output.range(of: "\"\($0)\"")?.lowerBound }
        #expect(positions.count == keys.count && positions == positions.sorted(), "\(output)")
    }

    @Test func showNamesTheActionAPersonMustTakeForAParkedRun() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let runID = try await journal.demo(["--admin-skips", "relay"], expecting: 3)

        let text = try await journal.run(["show", runID])
        #expect(text.status == 0)
        #expect(text.stdout.contains("Run \(runID) (m365-essentials-onboarding): waiting"))
        #expect(text.stdout.contains("enable-relay: The Essentials admin must enable relay"), "\(text.stdout)")
        #expect(text.stdout.contains("then: onboard confirm \(runID) enable-relay"), "\(text.stdout)")
        #expect(text.stdout.contains("Lease: none"))
        #expect(text.stdout.contains("engine run.parked: waiting"))

        let detail = try await journal.show(runID)
        #expect(detail["state"] as? String == "waiting")
        #expect(detail["stalled"] as? Bool == false)
        #expect(detail["lease"] == nil)
        let steps = try #require(detail["nextSteps"] as? [[String: Any]])
        #expect(steps.count == 1)
        #expect(steps.first?["kind"] as? String == "confirm")
        #expect(steps.first?["task"] as? String == "enable-relay")
        let tasks = try #require(detail["tasks"] as? [[String: Any]])
        let relay = try #require(tasks.first { $0["id"] as? String == "enable-relay" })
        #expect((relay["park"] as? [String: Any])?["kind"] as? String == "person")
        let actions = try await journal.timeline(runID).compactMap { $0["action"] as? String }
        #expect(actions.first == "run.started")
        #expect(actions.last == "run.parked")
    }

    /// Every command `show` suggests is one `onboard` accepts, run as a person would paste it:
    /// a step about a task that waits for DNS once suggested `onboard resume RUN spf-check`,
    /// which `resume` refuses (it takes no task).
    @Test func everyCommandShowSuggestsRunsAsWritten() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let runID = try await journal.demo(["--admin-skips", "relay", "--admin-skips", "spf"], expecting: 3)
        let steps = try #require(try await journal.show(runID)["nextSteps"] as? [[String: Any]])
        let commands = steps.compactMap { $0["command"] as? String }
        #expect(Set(steps.compactMap { $0["kind"] as? String }) == ["confirm", "wait"], "\(steps)")
        #expect(commands.count == steps.count, "\(steps)")
        #expect(commands.contains("onboard resume \(runID) --journal \(journal.journal)"), "\(commands)")
        for command in commands {
            // Split as a shell would (double-quoted text kept whole), a placeholder filled in as a
            // person would (`onboard` refuses the placeholder itself).
            var words: [String] = []
            for (index, part) in command.split(separator: "\"", omittingEmptySubsequences: false).enumerated() {
                words += index % 2 == 1 ? [String(part)] : part.split(separator: " ").map(String.init)
            }
            words = words.map { $0.hasPrefix("<") && $0.hasSuffix(">") ? "done by the test" : $0 }
            #expect(words.first == "onboard", "\(command)")
            let result = try await runOnboard(Array(words.dropFirst()), environment: journal.environment)
            #expect(result.status != 64, "\(command): \(result.output)")
            #expect(result.status == 3, "the run parks again at the step left undone: \(command): \(result.output)")
        }
    }

    @Test func showGivesTheLastErrorOfAFailedRunInWords() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let runID = try await journal.demo(["--fail", "import-domains"], expecting: 1)

        let text = try await journal.run(["show", runID])
        #expect(text.stdout.contains("Last error: 'import-domains'"), "\(text.stdout)")
        #expect(text.stdout.contains("The demo was told to fail this step"))
        #expect(text.stdout.contains("then: onboard retry \(runID) import-domains"))

        let detail = try await journal.show(runID)
        #expect(detail["state"] as? String == "failed")
        let lastError = try #require(detail["lastError"] as? [String: Any])
        #expect(lastError["task"] as? String == "import-domains")
        #expect(lastError["code"] as? String == "demoFailure")
        #expect(lastError["retryable"] as? Bool == false)
        let steps = try #require(detail["nextSteps"] as? [[String: Any]])
        #expect(steps.map { $0["kind"] as? String } == ["fix"])
    }

    @Test func showNamesTheLeaseOfARunWhoseProcessDied() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let runID = try await journal.demo(["--crash-after", "feature-entitlement"], expecting: 128 + 9)
        let detail = try await journal.show(runID)
        #expect(detail["state"] as? String == "running")
        let lease = try #require(detail["lease"] as? [String: Any])
        #expect((lease["owner"] as? String)?.contains(":") == true)
        #expect(detail["stalled"] as? Bool == true)
        let text = try await journal.run(["show", runID])
        #expect(text.stdout.contains("(its process is gone; resume takes it over)"), "\(text.stdout)")
    }

    @Test func planForANewRunChangesNothingAndListsPermissions() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let text = try await journal.run(["plan"])
        #expect(text.status == 0, "\(text.output)")
        #expect(text.stdout.contains("Plan for a new run of m365-essentials-onboarding"))
        #expect(text.stdout.contains("set directory sync every 12 h"), "\(text.stdout)")
        #expect(!FileManager.default.fileExists(atPath: journal.path), "plan created the journal")
        #expect(try FileManager.default.contentsOfDirectory(atPath: journal.folder.path).isEmpty)

        let plan = try await jsonObject(try journal.run(["plan", "--json"]).stdout)
        #expect(plan["run"] == nil)
        let tasks = try #require(plan["tasks"] as? [[String: Any]])
        #expect(tasks.count == 20)
        let consent = try #require(tasks.first { $0["id"] as? String == "admin-consent" })
        let observation = try #require(consent["observation"] as? [String: Any])
        #expect(observation["status"] as? String == "wouldChange")
        #expect((observation["changes"] as? [String])?.first?.hasPrefix("wait for admin consent to: ") == true)
        let imports = try #require(tasks.first { $0["id"] as? String == "import-domains" })
        #expect(imports["requiredPermissions"] as? [String] == ["Domain.Read.All", "Essentials.Admin"])
        #expect((imports["observation"] as? [String: Any])?["status"] as? String == "unknown", "no consent yet")
        #expect((plan["requiredPermissions"] as? [String])?.contains("Exchange.ManageAsApp") == true)
    }

    @Test func planForARunSkipsWhatIsDone() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let runID = try await journal.demo(["--no-admin"], expecting: 3)
        let before = try await journal.timeline(runID).count
        let plan = try await jsonObject(try journal.run(["plan", "--run", runID, "--json"]).stdout)
        #expect(plan["run"] as? String == runID)
        let tasks = try #require(plan["tasks"] as? [[String: Any]])
        let entitlement = try #require(tasks.first { $0["id"] as? String == "feature-entitlement" })
        #expect(entitlement["wouldRun"] as? Bool == false)
        #expect(entitlement["state"] as? String == "succeeded")
        #expect(tasks.filter { $0["wouldRun"] as? Bool == true }.count == 18)
        await #expect(try journal.timeline(runID).count == before, "plan wrote to the journal")
    }

    @Test func permissionsMapsEachPermissionToItsTasks() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let text = try await journal.run(["permissions"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("Domain.Read.All"), "\(text.stdout)")
        let table = try await jsonObject(try journal.run(["permissions", "--json"]).stdout)
        let rows = try #require(table["permissions"] as? [[String: Any]])
        #expect(
            rows.map { $0["permission"] as? String ?? "" } == rows.map { $0["permission"] as? String ?? "" }.sorted())
        let exchange = try #require(rows.first { $0["permission"] as? String == "Exchange.ManageAsApp" })
        #expect(
            exchange["tasks"] as? [String]
                == [
                    "outbound-connector", "inbound-connector", "bypass-spam-rule", "lockdown-audit", "inbound-lockdown",
                    "enable-outbound-connector",
                ])
    }

    @Test func graphRendersMermaidAndDot() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let mermaid = try await journal.run(["graph"])
        #expect(mermaid.status == 0)
        #expect(mermaid.stdout.hasPrefix("flowchart TD\n"))
        #expect(mermaid.stdout.contains("t_import_domains --> t_spf_check"), "\(mermaid.stdout)")
        let dot = try await journal.run(["graph", "--format", "dot"])
        #expect(dot.stdout.hasPrefix("digraph \"m365-essentials-onboarding\" {"))
        #expect(dot.stdout.contains("\"import-domains\" -> \"spf-check\";"), "\(dot.stdout)")
        #expect(dot.stdout.hasSuffix("}\n"))
        let runID = try await journal.demo(["--no-admin"], expecting: 3)
        let states = try await journal.run(["graph", "--run", runID])
        #expect(states.stdout.contains("admin-consent (waiting)"), "\(states.stdout)")
    }

    @Test func helpDocumentsTheExitCodes() async throws {
        let help = try await runOnboard(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("Exit codes:"))
        #expect(help.stdout.contains("5   unknown run or task"))
        let retryHelp = try await runOnboard(["retry", "--help"])
        #expect(retryHelp.stdout.contains("--no-resume"))
        #expect(retryHelp.stdout.contains("6   the run is held by another process"))
    }
}
