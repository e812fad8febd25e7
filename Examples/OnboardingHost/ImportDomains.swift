import OnboardingEngine

/// Imports the tenant's verified domains; the SPF check reads them, so skipping this step needs
/// an output (`onboard skip … --output '["contoso.com"]'`).
struct ImportDomains: OnboardingTask {
    let delay: Duration
    let fails: Bool
    var id: TaskID { "import-domains" }
    var dependencies: [TaskID] { ["service-principals"] }
    var requiredPermissions: Set<Permission> { ["Domain.Read.All"] }

    func run(_ context: TaskContext) async throws -> [String] {
        try await Task.sleep(for: delay)
        if fails { throw demoFailure }
        return try context.input(as: DemoWorkflow.Input.self).domains
    }

    func observe(_ context: TaskContext) async throws -> Observation {
        let domains = try context.input(as: DemoWorkflow.Input.self).domains
        return .wouldChange(domains.map { "import domain \($0)" })
    }
}
