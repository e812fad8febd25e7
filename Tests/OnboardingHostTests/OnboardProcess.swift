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
    let child: ChildProcess
    let folder: URL
    var out: URL { folder.appendingPathComponent("stdout") }
    var err: URL { folder.appendingPathComponent("stderr") }

    /// Starts `executable` (the built `onboard` by default) with `environment` added to this
    /// process's and `standardInput` (if any) on its standard input.
    static func start(
        _ arguments: [String], executable: URL = onboardBinary, environment: [String: String] = [:],
        standardInput: [UInt8]? = nil
    ) async throws -> CapturedProcess {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("onboard-out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let child = try await ChildProcess.start(
            executable.path, arguments: arguments, environment: environment, standardInput: standardInput,
            standardOutput: .file(folder.appendingPathComponent("stdout").path),
            standardError: .file(folder.appendingPathComponent("stderr").path))
        return CapturedProcess(child: child, folder: folder)
    }

    /// What it printed so far.
    var stdoutSoFar: String { String(decoding: (try? Data(contentsOf: out)) ?? Data(), as: UTF8.self) }

    /// Waits until it exits and returns what it left behind; the folder is removed.
    func result() async throws -> OnboardResult {
        let status = try await child.exitStatus()
        defer { try? FileManager.default.removeItem(at: folder) }
        return OnboardResult(
            status: status, stdout: String(decoding: try Data(contentsOf: out), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self))
    }
}

/// Runs the built `onboard` binary to completion, killing it after `timeout` seconds so a hang
/// fails the test instead of the whole run.
func runOnboard(
    _ arguments: [String], environment: [String: String] = [:], standardInput: [UInt8]? = nil, timeout: Double = 60
) async throws -> OnboardResult {
    try await runToCompletion(
        CapturedProcess.start(arguments, environment: environment, standardInput: standardInput), timeout: timeout)
}

/// Waits for `child` to exit, killing it after `timeout` seconds.
func runToCompletion(_ child: CapturedProcess, timeout: Double = 60) async throws -> OnboardResult {
    let watchdog = Task {
        try await Task.sleep(for: .seconds(timeout))
        child.child.send(SIGKILL)
    }
    defer { watchdog.cancel() }
    return try await child.result()
}

/// Runs the built `onboard` binary to its end, with `environment` added to this process's;
/// `watch` sees the child and its stdout so far every 20 ms while it runs.
func onboardInBackground(
    _ arguments: [String], environment: [String: String] = [:],
    watch: ((ChildProcess, String) -> Void)? = nil
) async throws -> OnboardResult {
    let child = try await CapturedProcess.start(arguments, environment: environment)
    if let watch {
        while child.child.isRunning {
            watch(child.child, child.stdoutSoFar)
            try await Task.sleep(for: .milliseconds(20))
        }
    }
    return try await child.result()
}

/// Runs the built `onboard` binary as a child process; stdout and stderr together.
func onboard(_ arguments: [String]) async throws -> (status: Int32, output: String) {
    let result = try await runOnboard(arguments)
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
