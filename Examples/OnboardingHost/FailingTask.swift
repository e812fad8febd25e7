import OnboardingEngine

/// A real task that `onboard demo --fail TASK` makes fail for good in this process, to leave a
/// run failed for `onboard retry` and `onboard skip` to act on. It keeps the task's id, version,
/// dependencies and permissions, so the run's graph is the workflow's own and a later process
/// (without `--fail`) resumes it normally.
struct FailingTask<Base: OnboardingTask>: OnboardingTask {
    let base: Base

    var id: TaskID { base.id }
    var version: Int { base.version }
    var dependencies: [TaskID] { base.dependencies }
    var requiredPermissions: Set<Permission> { base.requiredPermissions }
    var effect: TaskEffect { base.effect }
    var retryPolicy: RetryPolicy { base.retryPolicy }

    func run(_ context: TaskContext) async throws -> Base.Output {
        throw TaskInterruption.permanent(
            "The demo was told to fail this step (--fail); a real task would say what went wrong here.",
            code: "demoFailure")
    }

    func observe(_ context: TaskContext) async throws -> Observation { try await base.observe(context) }
}

/// `task`, made to fail for good (see ``FailingTask``).
func failingForGood(_ task: any OnboardingTask) -> any OnboardingTask {
    func wrap<T: OnboardingTask>(_ task: T) -> any OnboardingTask { FailingTask(base: task) }
    return wrap(task)
}
