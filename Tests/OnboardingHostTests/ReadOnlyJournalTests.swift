import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Read commands open the journal read-only", .serialized)
struct ReadOnlyJournalTests {
    @Test func aSupportPersonWhoMayOnlyReadCanListAndShowRuns() async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let run = try await journal.demo(["--admin-skips", "relay"], expecting: 3)
        let before = try Data(contentsOf: URL(fileURLWithPath: journal.path))
        // Everyone may read the journal (and its -wal and -shm, when a process left them); nobody but
        // its owner may write them or their folder.
        for file in [journal.path, journal.path + "-wal", journal.path + "-shm"] { chmod(file, 0o644) }
        chmod(journal.folder.path, 0o755)

        // Another user (as root), or the file's owner, which still must not write.
        let (executable, prefix) = try anotherUsersOnboard(copyInto: journal.folder) ?? (onboardBinary, [])
        for arguments in [["runs"], ["show", run], ["show", run, "--json"], ["graph", "--run", run], ["permissions", "--run", run]] {
            let result = try await runToCompletion(
                CapturedProcess.start(prefix + arguments + ["--journal", journal.path], executable: executable))
            let listing = (try? FileManager.default.contentsOfDirectory(atPath: journal.folder.path)) ?? []
            #expect(result.status == 0, "\(arguments): \(result.output) (folder: \(listing.sorted()))")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: journal.path)) == before, "nothing was written")
    }
}
