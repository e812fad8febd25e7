import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Where a demo run's tenant lives: beside its journal, whichever copy of the journal it is, and
/// never left behind by a demo that could not journal its run.
@Suite("A demo run's tenant file", .serialized)
struct DemoTenantFileTests {
    @Test func aCopiedJournalDrivesTheTenantFileBesideItNotTheOriginal() async throws {
        let original = try TestJournal()
        defer { original.remove() }
        let run = try await original.demo(["--admin-skips", "relay"], expecting: 3)
        let copy = try TestJournal()
        defer { copy.remove() }
        for name in try FileManager.default.contentsOfDirectory(atPath: original.folder.path) {
            try FileManager.default.copyItem(
                at: original.folder.appendingPathComponent(name), to: copy.folder.appendingPathComponent(name))
        }
        let originalTenant = original.folder.appendingPathComponent("\(run).tenant.json")
        let before = try Data(contentsOf: originalTenant)

        // The copy's relay step is done in the copy's tenant; the original's is left as it was.
        let confirmed = try await copy.run(["confirm", run, "enable-relay"])
        #expect(confirmed.status == 0, "\(confirmed.output)")
        #expect(try Data(contentsOf: originalTenant) == before, "the original tenant file was not touched")
        await #expect(try copy.taskStates(run)["enable-relay"] == "succeeded")
        await #expect(try original.taskStates(run)["enable-relay"] == "waiting")
    }

    @Test func aDemoOnAJournalItMayNotWriteLeavesNoTenantFile() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        _ = try await journal.demo(["--admin-skips", "relay"], expecting: 3)
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: journal.folder.path))
        // The folder is writable by anyone; the journal only by its owner, who is not the one running.
        for file in [journal.path, journal.path + "-wal", journal.path + "-shm"] { chmod(file, 0o644) }
        chmod(journal.folder.path, 0o777)
        let binaries = FileManager.default.temporaryDirectory.appendingPathComponent("onboard-bin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: binaries, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        defer { try? FileManager.default.removeItem(at: binaries) }
        if let (executable, prefix) = try anotherUsersOnboard(copyInto: binaries) {
            let result = try await runToCompletion(
                CapturedProcess.start(prefix + ["demo", "--journal", journal.path], executable: executable))
            expectOneLineError(result, status: 4, containing: "can only be read by this user")
        } else if geteuid() != 0 {
            for file in [journal.path, journal.path + "-wal", journal.path + "-shm"] { chmod(file, 0o444) }
            let result = try await journal.run(["demo"])
            expectOneLineError(result, status: 4, containing: "can only be read by this user")
        } else {
            return  // root without setpriv: every file is writable; nothing to show
        }
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: journal.folder.path)) == files, "no stray tenant file")
    }
}
