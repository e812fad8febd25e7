import Foundation
import Testing

@Suite("onboard drift", .serialized)
struct DriftCommandTests {
    @Test func aFreshDemoRunHasNoDriftAndAnUnfinishedRunIsNotChecked() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let done = try await journal.demo([], expecting: 0)
        let clean = try await journal.run(["drift", done, "--json"])
        #expect(clean.status == 0, "\(clean.output)")
        let report = try jsonObject(clean.stdout)
        #expect(report["run"] as? String == done)
        #expect((report["drifted"] as? [Any])?.isEmpty == true)
        #expect(report["fixed"] as? Bool == false)
        await #expect(try journal.run(["drift", done]).stdout.contains("nothing drifted"))

        let parked = try await journal.demo(["--admin-skips", "relay"], expecting: 3)
        let refused = try await journal.run(["drift", parked])
        expectOneLineError(refused, status: 64, containing: "drift is checked on a run that succeeded")
    }

    /// The check: a demo whose admin leaves SPF undone waits on SPF for its own domains only,
    /// never for the onmicrosoft.com one (nobody can change that zone).
    @Test func aDemoLeftWaitingOnSPFWaitsForNoOnMicrosoftDomain() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let run = try await journal.demo(["--admin-skips", "spf"], expecting: 3)
        let detail = try await journal.show(run)
        let tasks = try #require(detail["tasks"] as? [[String: Any]])
        let spf = try #require(tasks.first { $0["id"] as? String == "spf-check" })
        #expect(spf["state"] as? String == "waiting")
        let message = "\(spf)"
        #expect(message.contains("contoso.com:") && message.contains("mail.contoso.com:"), "\(message)")
        #expect(!message.contains("onmicrosoft"), "\(message)")
    }
}
