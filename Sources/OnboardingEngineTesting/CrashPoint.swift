import Foundation
import OnboardingEngine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Named places where a test process kills itself with SIGKILL, to test crash-then-resume.
///
/// A test starts its host as a child process with `ONBOARDING_CRASH_POINT=<name>`; when the
/// host reaches that point, it dies at once, exactly as a `kill -9` would leave it.
///
/// Production code never calls this module. The test host installs ``handler`` as the engine's
/// ``EngineConfiguration/crashPointHandler``; the engine then passes `before-run:TASK` (started
/// and journaled, nothing done) and `after-run:TASK` (the task's side effects done, its success
/// not yet journaled) around every attempt, and a task's own `context.crashPoint("NAME")`
/// (`NAME:TASK`, anywhere inside `run`). Without the handler, all of them are no-ops.
///
/// ```swift
/// var configuration = EngineConfiguration()
/// configuration.crashPointHandler = CrashPoint.handler   // only in the crash test's host
/// let engine = Engine(journal: journal, logger: logger, configuration: configuration)
/// ```
public enum CrashPoint {
    /// The environment variable that names the crash point.
    public static let environmentVariable = "ONBOARDING_CRASH_POINT"

    /// The crash point this process was asked to die at, if any.
    public static let armed: String? = ProcessInfo.processInfo.environment[environmentVariable]

    /// The engine's ``EngineConfiguration/crashPointHandler`` for a crash test's host: kills the
    /// process with SIGKILL at the ``armed`` point, does nothing at any other.
    public static let handler: @Sendable (String) -> Void = { point in hit(point) }

    /// Kills the process with SIGKILL if `name` is the armed crash point.
    public static func hit(_ name: @autoclosure () -> String) {
        guard let armed, armed == name() else { return }
        kill(getpid(), SIGKILL)
    }

    /// `task` with crash points around its `run`: `before-run:ID` and `after-run:ID`. The same
    /// points the engine passes when ``handler`` is installed; for an engine configured without it.
    public static func around<Task: OnboardingTask>(_ task: Task) -> CrashingTask<Task> { CrashingTask(task) }
}

/// A task that behaves as the one it wraps, with the crash points `before-run:ID` and
/// `after-run:ID` around its `run` (see ``CrashPoint/around(_:)``).
public struct CrashingTask<Wrapped: OnboardingTask>: OnboardingTask {
    /// The task wrapped.
    public let wrapped: Wrapped

    /// Wraps `task`.
    public init(_ task: Wrapped) { wrapped = task }

    public var id: TaskID { wrapped.id }
    public var version: Int { wrapped.version }
    public var dependencies: [TaskID] { wrapped.dependencies }
    public var requiredPermissions: Set<Permission> { wrapped.requiredPermissions }
    public var effect: TaskEffect { wrapped.effect }
    public var retryPolicy: RetryPolicy { wrapped.retryPolicy }

    public func run(_ context: TaskContext) async throws -> Wrapped.Output {
        CrashPoint.hit("before-run:\(id)")
        let output = try await wrapped.run(context)
        CrashPoint.hit("after-run:\(id)")
        return output
    }

    public func observe(_ context: TaskContext) async throws -> Observation { try await wrapped.observe(context) }
}
