import Foundation
import OnboardingEngineTesting
import Testing

@Suite("onboard resume, retry, skip, confirm and cancel, run as a process", .serialized)
struct SupportActionTests {
    @Test func confirmRecordsTheActorAndNoteThenResumesToSuccess() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let runID = try await journal.demo(["--admin-skips", "relay"], expecting: 3)
        let confirmed = try await journal.run([
            "confirm", runID, "enable-relay", "--actor", "alice", "--note", "relay on, says J. Doe",
        ])
        #expect(confirmed.status == 0, "\(confirmed.output)")
        #expect(confirmed.stdout.contains("Run \(runID): succeeded"))
        let event = try await #require(
            try journal.timeline(runID).first { $0["action"] as? String == "task.confirmed" && $0["task"] as? String == "enable-relay" })
        #expect(event["actor"] as? String == "alice")
        #expect(event["task"] as? String == "enable-relay")
        #expect(event["reason"] as? String == "relay on, says J. Doe")
        await #expect(try journal.show(runID)["state"] as? String == "succeeded")
    }

    @Test func withNoResumeTheActionIsOnlyRecordedAndTheActorDefaultsToTheUser() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let runID = try await journal.demo(["--admin-skips", "relay"], expecting: 3)
        let confirmed = try await journal.run(
            ["confirm", runID, "enable-relay", "--no-resume"], environment: ["USER": "support-bob"])
        #expect(confirmed.status == 0, "\(confirmed.output)")
        #expect(confirmed.stdout.contains("Resume with: onboard resume \(runID)"))
        await #expect(try journal.taskStates(runID)["enable-relay"] == "waiting")
        let event = try await #require(
            try journal.timeline(runID).first { $0["action"] as? String == "task.confirmed" && $0["task"] as? String == "enable-relay" })
        #expect(event["actor"] as? String == "support-bob")

        let resumed = try await journal.run(["resume", runID], environment: ["USER": "support-bob"])
        #expect(resumed.status == 0, "\(resumed.output)")
        let resume = try await #require(try journal.timeline(runID).last { $0["action"] as? String == "run.resumed" })
        #expect(resume["actor"] as? String == "support-bob")
    }

    @Test func resumeOfAParkedRunWithoutActionStaysParked() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let runID = try await journal.demo(["--no-admin"], expecting: 3)
        let resumed = try await journal.run(["resume", runID])
        #expect(resumed.status == 3, "\(resumed.output)")
        #expect(resumed.stdout.contains("Run \(runID): waiting"))
    }

    @Test func retryGivesAFailedTaskAnotherGoAndResumes() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let runID = try await journal.demo(["--fail", "import-domains"], expecting: 1)
        await #expect(try journal.taskStates(runID)["import-domains"] == "failed")
        let retried = try await journal.run(["retry", runID, "import-domains", "--reason", "Graph is back"])
        #expect(retried.status == 0, "\(retried.output)")
        #expect(retried.stdout.contains("Run \(runID): succeeded"))
        let event = try await #require(
            try journal.timeline(runID).first { $0["action"] as? String == "task.retry-requested" })
        #expect(event["reason"] as? String == "Graph is back")
        await #expect(Set(try journal.taskStates(runID).values) == ["succeeded"])
    }

    @Test func retryFromRerunsTheTaskAndEverythingAfterIt() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let runID = try await journal.demo([], expecting: 0)
        let retried = try await journal.run(["retry", runID, "inbound-connector", "--from"])
        #expect(retried.status == 0, "\(retried.output)")
        let timeline = try await journal.timeline(runID)
        let event = try #require(timeline.first { $0["action"] as? String == "task.retry-from-requested" })
        #expect((event["reason"] as? String)?.contains("bypass-spam-rule") == true)
        func starts(_ task: String) -> Int {
            timeline.filter { $0["action"] as? String == "task.started" && $0["task"] as? String == task }.count
        }
        #expect(starts("bypass-spam-rule") == 2)
        #expect(starts("inbound-connector") == 2)
        #expect(starts("enable-outbound-connector") == 1, "not downstream of inbound-connector")
        #expect(starts("import-domains") == 1)
    }

    @Test func retryOfASucceededTaskIsRefusedAndWritesNothing() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let runID = try await journal.demo([], expecting: 0)
        let before = try await journal.timeline(runID).count
        let retried = try await journal.run(["retry", runID, "import-domains"])
        expectOneLineError(
            retried, status: 7, containing: "only a failed, blocked, waiting or pending task can be retried")
        await #expect(try journal.timeline(runID).count == before)
    }

    @Test func aPlaceholderNotePastedFromASuggestedCommandIsRefused() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let runID = try await journal.demo(["--admin-skips", "relay"], expecting: 3)
        let suggested = try await #require(
            (try journal.show(runID)["nextSteps"] as? [[String: Any]])?.compactMap { $0["command"] as? String }
                .first { $0.hasPrefix("onboard confirm") })
        let pasted = Array(suggested.split(separator: " ").dropFirst().map(String.init).prefix(3)) + ["--note", "<what was done>"]
        for note in ["<what was done>", "…", "   "] {
            let result = try await journal.run(Array(pasted.dropLast()) + [note])
            #expect(result.status == 64, "\(note): \(result.output)")
        }
        let tasks = try await #require(try journal.show(runID)["tasks"] as? [[String: Any]])
        #expect(tasks.first { $0["id"] as? String == "enable-relay" }?["confirmation"] == nil, "nothing was journaled")
    }

    @Test func skipWithoutTheOutputADependentNeedsIsRefusedAndWritesNothing() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let runID = try await journal.demo(["--fail", "import-domains"], expecting: 1)
        let before = try await journal.timeline(runID).count
        let refused = try await journal.run(["skip", runID, "import-domains", "--reason", "imported by hand"])
        expectOneLineError(refused, status: 7, containing: "cannot be skipped without an output")
        let badOutput = try await journal.run(
            ["skip", runID, "import-domains", "--reason", "imported by hand", "--output", "{\"domains\": 1}"])
        expectOneLineError(badOutput, status: 7, containing: "the field 'domains' has the wrong type")
        let missing = try await journal.run(
            ["skip", runID, "import-domains", "--reason", "imported by hand", "--output", "{\"domain\": []}"])
        expectOneLineError(missing, status: 7, containing: "the field 'domains' is missing")
        for refusal in [badOutput, missing] {
            for swiftWord in ["DecodingError", "CodingKeys", "Swift.", "Output"] {
                #expect(!refusal.stderr.contains(swiftWord), "no Swift names for a person: \(refusal.stderr)")
            }
        }
        await #expect(try journal.timeline(runID).count == before)
        await #expect(try journal.taskStates(runID)["import-domains"] == "failed")
    }

    @Test func skipWithAnOutputLetsTheRunFinish() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let runID = try await journal.demo(["--fail", "import-domains"], expecting: 1)
        let skipped = try await journal.run(
            [
                "skip", runID, "import-domains", "--reason", "imported by hand", "--output",
                #"{"domains": ["contoso.com"]}"#,
                "--actor", "carol",
            ])
        #expect(skipped.status == 0, "\(skipped.output)")
        #expect(skipped.stdout.contains("Run \(runID): succeeded"))
        let states = try await journal.taskStates(runID)
        #expect(states["import-domains"] == "skipped")
        #expect(states["spf-check"] == "succeeded")
        let event = try await #require(try journal.timeline(runID).first { $0["action"] as? String == "task.skipped" })
        #expect(event["actor"] as? String == "carol")
        #expect(event["reason"] as? String == "imported by hand")
    }

    @Test func cancelStopsAParkedRunForGood() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let runID = try await journal.demo(["--no-admin"], expecting: 3)
        let cancelled = try await journal.run(["cancel", runID, "--reason", "customer left", "--actor", "dave"])
        #expect(cancelled.status == 0, "\(cancelled.output)")
        #expect(cancelled.stdout.contains("Run \(runID): cancelled"))
        let listing = try await jsonObject(try journal.run(["runs", "--state", "cancelled", "--json"]).stdout)
        #expect((listing["runs"] as? [[String: Any]])?.first?["id"] as? String == runID)
        let event = try await #require(try journal.timeline(runID).first { $0["action"] as? String == "run.cancelled" })
        #expect(event["actor"] as? String == "dave")
        #expect(event["reason"] as? String == "customer left")

        await expectOneLineError(try journal.run(["resume", runID]), status: 7, containing: "cancelled")
        await expectOneLineError(try journal.run(["confirm", runID, "admin-consent"]), status: 7, containing: "cancelled")
        await expectOneLineError(try journal.run(["cancel", runID]), status: 7, containing: "nothing to cancel")
    }

    @Test func anActionOnARunAnotherProcessRunsIsRefusedNamingIt() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let process = try await ChildProcess.start(
            onboardBinary.path, arguments: ["demo", "--journal", journal.path, "--latency", "5000"])
        defer { process.send(SIGKILL) }
        var runID: String?
        for _ in 0..<100 where runID == nil {
            if FileManager.default.fileExists(atPath: journal.path),
                let listing = await try? jsonObject(try journal.run(["runs", "--state", "running", "--json"]).stdout),
                let id = (listing["runs"] as? [[String: Any]])?.first?["id"] as? String
            {
                runID = id
            } else {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        let id = try #require(runID)
        let before = try await journal.timeline(id).count
        let refused = try await journal.run(["retry", id, "feature-entitlement"])
        expectOneLineError(refused, status: 6, containing: "is being run by")
        #expect(refused.stderr.contains(":\(process.processIdentifier):"), "\(refused.stderr)")
        await expectOneLineError(try journal.run(["resume", id]), status: 6, containing: "\(process.processIdentifier)")
        await #expect(try journal.timeline(id).count == before)
    }
}
