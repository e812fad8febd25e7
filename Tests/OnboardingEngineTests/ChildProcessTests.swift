import Foundation
import OnboardingEngineTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `ChildProcess`, which every test that starts `onboard`, a harness or a worker goes through.
struct ChildProcessTests {
    /// A fresh temporary file path, removed by the caller.
    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString)").path
    }

    @Test func passesArgumentsEnvironmentAndInputAndReportsTheExitCode() async throws {
        let out = temporaryPath()
        defer { unlink(out) }
        let child = try await ChildProcess.start(
            "/bin/sh", arguments: ["-c", "printf '%s|%s|' \"$1\" \"$CHILD_TEST_VALUE\"; cat; exit 7", "sh", "an argument"],
            environment: ["CHILD_TEST_VALUE": "a value with spaces"], standardInput: Array("from stdin".utf8),
            standardOutput: .file(out))
        #expect(try await child.exitStatus() == 7)
        #expect(!child.isRunning)
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "an argument|a value with spaces|from stdin")
    }

    @Test func aChildKilledWithASignalReports128PlusTheSignal() async throws {
        let child = try await ChildProcess.start("/bin/sleep", arguments: ["30"])
        #expect(child.isRunning)
        child.send(SIGKILL)
        #expect(try await child.exitStatus() == 128 + SIGKILL)
        child.send(SIGKILL)  // after the end: nothing to signal, no effect
    }

    @Test func theChildInheritsNoDescriptorOfTheTestProcessButItsStandardStreams() async throws {
        // A descriptor without close-on-exec, as a careless library might leave one.
        let leaked = open("/dev/null", O_RDONLY)
        #expect(leaked > 2)
        defer { close(leaked) }
        let out = temporaryPath()
        defer { unlink(out) }
        let child = try await ChildProcess.start(
            "/bin/sh", arguments: ["-c", "ls /proc/$$/fd"], standardOutput: .file(out))
        #expect(try await child.exitStatus() == 0)
        let descriptors = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").compactMap { Int($0) }
        #expect(!descriptors.contains(Int(leaked)), "\(descriptors)")
        #expect(descriptors.allSatisfy { $0 <= 3 }, "only stdin, stdout, stderr (and ls's own directory): \(descriptors)")
    }

    @Test func aMissingExecutableIsAnErrorNotAHang() async throws {
        await #expect(throws: (any Error).self) {
            _ = try await ChildProcess.start("/nonexistent/onboard-\(UUID().uuidString)")
        }
    }
}
