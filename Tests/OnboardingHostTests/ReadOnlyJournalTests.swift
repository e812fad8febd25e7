import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Read commands open the journal read-only", .serialized)
struct ReadOnlyJournalTests {
    @Test func aSupportPersonWhoMayOnlyReadCanListAndShowRuns() throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let run = try journal.demo(["--admin-skips", "relay"], expecting: 3)
        let before = try Data(contentsOf: URL(fileURLWithPath: journal.path))
        // Everyone may read the journal (and its -wal and -shm, when a process left them); nobody but
        // its owner may write them or their folder.
        for file in [journal.path, journal.path + "-wal", journal.path + "-shm"] { chmod(file, 0o644) }
        chmod(journal.folder.path, 0o755)

        let reader: [String]
        let setpriv = "/usr/bin/setpriv"
        if geteuid() == 0 && FileManager.default.isExecutableFile(atPath: setpriv) {
            // Another user: a copy of the binary where that user may run it, then setpriv.
            let bin = journal.folder.appendingPathComponent("onboard").path
            try FileManager.default.copyItem(atPath: onboardBinary.path, toPath: bin)
            chmod(bin, 0o755)
            reader = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", bin]
        } else {
            reader = [onboardBinary.path]  // not root: the file's owner, which still must not write
        }
        for arguments in [["runs"], ["show", run], ["show", run, "--json"], ["graph", "--run", run], ["permissions", "--run", run]] {
            let result = try runCommand(reader + arguments + ["--journal", journal.path])
            let listing = (try? FileManager.default.contentsOfDirectory(atPath: journal.folder.path)) ?? []
            #expect(result.status == 0, "\(arguments): \(result.output) (folder: \(listing.sorted()))")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: journal.path)) == before, "nothing was written")
    }
}

/// Runs `command[0]` with the rest as arguments, to its end.
private func runCommand(_ command: [String]) throws -> OnboardResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: command[0])
    process.arguments = Array(command.dropFirst())
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return OnboardResult(
        status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
        stderr: String(decoding: stderr, as: UTF8.self))
}
