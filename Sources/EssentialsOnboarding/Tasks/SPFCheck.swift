import OnboardingEngine

/// Every imported domain's SPF record includes Essentials. Waits, re-checking DNS on a schedule,
/// until a person has updated the records: the outbound connector must never be enabled before.
public struct SPFCheck: OnboardingTask {
    let services: OnboardingServices
    let configuration: OnboardingConfiguration

    public var id: TaskID { "spf-check" }
    public var dependencies: [TaskID] { ["import-domains"] }
    public var effect: TaskEffect { .readOnly }

    public func run(_ context: TaskContext) async throws -> NoOutput {
        let missing = try await domainsWithoutEssentials(context)
        guard missing.isEmpty else {
            throw TaskInterruption.waitingForCondition(
                "Add \(configuration.spfMechanisms[0]) to the SPF (TXT) record of \(missing.joined(separator: ", ")). The outbound connector stays disabled until then; DNS is re-checked every \(Int(configuration.spfRecheck.components.seconds)) s.",
                recheckAfter: configuration.spfRecheck)
        }
        return NoOutput()
    }

    public func observe(_ context: TaskContext) async throws -> Observation {
        let missing = try await domainsWithoutEssentials(context)
        return .wouldChange(missing.map { "wait for the SPF record of \($0) to include Essentials" })
    }

    private func domainsWithoutEssentials(_ context: TaskContext) async throws -> [String] {
        let domains = try context.output(of: "import-domains", as: ImportDomains.Output.self).domains
        var missing: [String] = []
        for domain in domains {
            let records = try await call { try await services.dns.txtRecords(domain) }
            let spf = records.filter { $0.lowercased().hasPrefix("v=spf1") }
            let terms = Set(spf.flatMap { $0.lowercased().split(separator: " ").map(String.init) })
            if !configuration.spfMechanisms.contains(where: { terms.contains($0.lowercased()) }) { missing.append(domain) }
        }
        return missing
    }
}
