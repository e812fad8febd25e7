import OnboardingEngine

/// A demo step that takes a moment and returns nothing.
struct DemoStep: OnboardingTask {
    let id: TaskID
    let dependencies: [TaskID]
    let requiredPermissions: Set<Permission>
    let effect: TaskEffect
    let delay: Duration
    let fails: Bool

    func run(_ context: TaskContext) async throws -> NoOutput {
        try await Task.sleep(for: delay)
        if fails { throw demoFailure }
        return NoOutput()
    }

    func observe(_ context: TaskContext) async throws -> Observation {
        effect == .readOnly ? .satisfied : .wouldChange([id.rawValue.replacingOccurrences(of: "-", with: " ")])
    }
}
