import Foundation
import Testing

@Suite("onboard drift", .serialized)
struct DriftCommandTests {
    @Test func aFreshDemoRunHasNoDriftAndAnUnfinishedRunIsNotChecked() throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let done = try journal.demo([], expecting: 0)
        let clean = try journal.run(["drift", done, "--json"])
        #expect(clean.status == 0, "\(clean.output)")
        let report = try jsonObject(clean.stdout)
        #expect(report["run"] as? String == done)
        #expect((report["drifted"] as? [Any])?.isEmpty == true)
        #expect(report["fixed"] as? Bool == false)
        #expect(try journal.run(["drift", done]).stdout.contains("nothing drifted"))

        let parked = try journal.demo(["--admin-skips", "relay"], expecting: 3)
        let refused = try journal.run(["drift", parked])
        expectOneLineError(refused, status: 64, containing: "drift is checked on a run that succeeded")
    }
}
