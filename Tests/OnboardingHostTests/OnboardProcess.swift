import Foundation
#if canImport(Glibc)
import Glibc
#endif
import OnboardingEngineTesting

/// What a finished `onboard` process left behind.
struct OnboardResult {
    var status: Int32
    var stdout: String
    var stderr: String
    /// Both streams, stdout first.
    var output: String { stdout + stderr }
}

/// The built `onboard` binary, next to the test bundle.
let onboardBinary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    .appendingPathComponent("onboard")

/// A child process whose stdout and stderr go to files in a temporary folder, read back when it ends.
struct CapturedProcess {
    let process = Process()
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("onboard-out-\(UUID().uuidString)")
    var out: URL { folder.appendingPathComponent("stdout") }
    var err: URL { folder.appendingPathComponent("stderr") }

    /// Starts `executable` (the built `onboard` by default) with `environment` added to this process's.
    init(_ arguments: [String], executable: URL = onboardBinary, environment: [String: String] = [:]) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
    }

    /// What it printed so far.
    var stdoutSoFar: String { String(decoding: (try? Data(contentsOf: out)) ?? Data(), as: UTF8.self) }

    /// Its result, once it exited with `status`; the folder is removed.
    func result(status: Int32) throws -> OnboardResult {
        defer { try? FileManager.default.removeItem(at: folder) }
        return OnboardResult(
            status: status, stdout: String(decoding: try Data(contentsOf: out), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self))
    }
}

/// Runs the built `onboard` binary to completion, killing it after `timeout` seconds so a hang
/// fails the test instead of the whole run.
func runOnboard(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 60) throws
    -> OnboardResult
{
    try runToCompletion(CapturedProcess(arguments, environment: environment), timeout: timeout)
}

/// Waits for `child` on this thread (no simulator in this process needs the pool), killing it
/// after `timeout` seconds.
func runToCompletion(_ child: CapturedProcess, timeout: Double = 60) throws -> OnboardResult {
    let process = child.process
    let watchdog = DispatchWorkItem {
        if process.isRunning {
            process.interrupt()
            kill(process.processIdentifier, SIGKILL)
        }
    }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
    process.waitUntilExit()
    watchdog.cancel()
    let status =
        process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    return try child.result(status: status)
}

/// Runs the built `onboard` binary to its end without blocking a thread (a simulator in the test
/// process needs one), with `environment` added to this process's; `watch` sees stdout while it runs.
func onboardInBackground(
    _ arguments: [String], environment: [String: String] = [:], watch: ((Process, String) -> Void)? = nil
) async throws -> OnboardResult {
    let child = try CapturedProcess(arguments, environment: environment)
    if let watch {
        while child.process.isRunning {
            watch(child.process, child.stdoutSoFar)
            try await Task.sleep(for: .milliseconds(20))
        }
    }
    return try child.result(status: await ChildProcess.exitStatus(of: child.process))
}

/// Runs the built `onboard` binary as a child process; stdout and stderr together.
func onboard(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let result = try runOnboard(arguments)
    return (result.status, result.output)
}

/// Parses `text` as a JSON object.
func jsonObject(_ text: String) throws -> [String: Any] {
    let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
    guard let object = value as? [String: Any] else { throw JSONShapeError(text: text) }
    return object
}

/// JSON that is not an object.
struct JSONShapeError: Error {
    var text: String
}

/// How to run `onboard` as a user other than the journal's owner: as root, a copy of the binary
/// in `folder` run through `setpriv` as nobody (65534); otherwise `nil` (this user, who owns the files).
func anotherUsersOnboard(copyInto folder: URL) throws -> (executable: URL, prefix: [String])? {
    let setpriv = URL(fileURLWithPath: "/usr/bin/setpriv")
    guard geteuid() == 0 && FileManager.default.isExecutableFile(atPath: setpriv.path) else { return nil }
    let bin = folder.appendingPathComponent("onboard-\(UUID().uuidString)").path
    try FileManager.default.copyItem(atPath: onboardBinary.path, toPath: bin)
    chmod(bin, 0o755)
    return (setpriv, ["--reuid=65534", "--regid=65534", "--clear-groups", bin])
}
