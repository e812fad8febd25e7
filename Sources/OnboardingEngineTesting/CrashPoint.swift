import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Named places where a test process kills itself with SIGKILL, to test crash-then-resume.
///
/// A test starts the host as a child process with `ONBOARDING_CRASH_POINT=<name>`; when the
/// host reaches ``hit(_:)`` with that name, it dies at once, exactly as a `kill -9` would leave it.
///
/// ```swift
/// try await sideEffect()
/// CrashPoint.hit("after-side-effect:\(context.taskID)")
/// ```
public enum CrashPoint {
    /// The environment variable that names the crash point.
    public static let environmentVariable = "ONBOARDING_CRASH_POINT"

    /// The crash point this process was asked to die at, if any.
    public static let armed: String? = ProcessInfo.processInfo.environment[environmentVariable]

    /// Kills the process with SIGKILL if `name` is the armed crash point.
    public static func hit(_ name: @autoclosure () -> String) {
        guard let armed, armed == name() else { return }
        kill(getpid(), SIGKILL)
    }
}
