import Foundation

/// Waits for child processes without blocking a thread of Swift's cooperative pool.
///
/// `Process.waitUntilExit()` blocks its thread; a test that hosts a server (the TenantSimulator)
/// for the child it waits on can starve that server and deadlock when two such tests wait at once.
public enum ChildProcess {
    /// Waits until `process` exits, polling, and returns its exit status: the code it exited
    /// with, or 128 + the signal that killed it (as a shell reports it).
    public static func exitStatus(of process: Process) async -> Int32 {
        while process.isRunning {
            try? await Task.sleep(for: .milliseconds(5))
        }
        process.waitUntilExit()  // already exited: returns at once and settles the status
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }
}
