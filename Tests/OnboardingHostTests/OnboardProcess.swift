import Foundation
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

/// Runs the built `onboard` binary to completion, killing it after `timeout` seconds so a hang
/// fails the test instead of the whole run.
func runOnboard(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 60) throws
    -> OnboardResult
{
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("onboard-out-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let out = folder.appendingPathComponent("stdout")
    let err = folder.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    let outHandle = try FileHandle(forWritingTo: out)
    let errHandle = try FileHandle(forWritingTo: err)
    let process = Process()
    process.executableURL = onboardBinary
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.standardOutput = outHandle
    process.standardError = errHandle
    try process.run()
    let watchdog = DispatchWorkItem {
        if process.isRunning {
            process.interrupt()
            kill(process.processIdentifier, SIGKILL)
        }
    }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
    process.waitUntilExit()
    watchdog.cancel()
    try outHandle.close()
    try errHandle.close()
    let status =
        process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    return OnboardResult(
        status: status, stdout: String(decoding: try Data(contentsOf: out), as: UTF8.self),
        stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self))
}

/// Runs the built `onboard` binary to its end without blocking a thread (a simulator in the test
/// process needs one), with `environment` added to this process's; `watch` sees stdout while it runs.
func onboardInBackground(
    _ arguments: [String], environment: [String: String] = [:], watch: ((Process, String) -> Void)? = nil
) async throws -> OnboardResult {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("onboard-out-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let out = folder.appendingPathComponent("stdout")
    let err = folder.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    let process = Process()
    process.executableURL = onboardBinary
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = try FileHandle(forWritingTo: err)
    try process.run()
    if let watch {
        while process.isRunning {
            watch(process, String(decoding: (try? Data(contentsOf: out)) ?? Data(), as: UTF8.self))
            try await Task.sleep(for: .milliseconds(20))
        }
    }
    let status = await ChildProcess.exitStatus(of: process)
    return OnboardResult(
        status: status, stdout: String(decoding: try Data(contentsOf: out), as: UTF8.self),
        stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self))
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
