import OnboardingEngine

/// Waits, re-checking, until the SPF record of every imported domain includes Essentials.
struct SPFCheck: OnboardingTask {
    let spf: DemoWorkflow.SPFRecord
    let fails: Bool
    var id: TaskID { "spf-check" }
    var dependencies: [TaskID] { ["import-domains"] }
    var effect: TaskEffect { .readOnly }

    func run(_ context: TaskContext) async throws -> NoOutput {
        let domains = try context.output(of: "import-domains", as: [String].self)
        if fails { throw demoFailure }
        guard spf.includesEssentials else {
            throw TaskInterruption.waitingForCondition(
                "The SPF record of \(domains.joined(separator: ", ")) must include include:_spf-us.ppe-hosted.com.",
                recheckAfter: .seconds(1))
        }
        return NoOutput()
    }

    func observe(_ context: TaskContext) async throws -> Observation {
        let domains = try context.output(of: "import-domains", as: [String].self)
        return spf.includesEssentials
            ? .satisfied : .wouldChange(domains.map { "wait for SPF of \($0) to include Essentials" })
    }
}
