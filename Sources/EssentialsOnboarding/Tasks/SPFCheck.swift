public import OnboardingEngine

/// Every imported domain's SPF record authorizes Essentials and will pass at receivers (see
/// ``SPFLint``): exactly one record, Essentials' mechanism in it, at most ten DNS lookups
/// counting nested includes, no loop, and a restrictive `all`. Waits, re-checking DNS on a
/// schedule, until a person has fixed the records: the outbound connector must never be enabled before.
public struct SPFCheck: OnboardingTask {
    let services: OnboardingServices
    let configuration: OnboardingConfiguration

    /// 2: lints the whole record (one record, lookups, loops, `all`), not only the include.
    public var version: Int { 2 }
    /// This task's key: its id, typed with its output.
    public static let key = TaskKey<Output>("spf-check")
    public var id: TaskID { Self.key.id }
    public var dependencies: [TaskID] { [ImportDomains.key.id] }
    public var effect: TaskEffect { .readOnly }

    public func run(_ context: TaskContext) async throws -> NoOutput {
        let problems = try await problems(context)
        guard problems.isEmpty else {
            let perDomain = problems.map { domain, found in "\(domain): \(found.joined(separator: "; "))." }
            throw TaskInterruption.waitingForCondition(
                "The SPF (TXT) records need changes before outbound mail can go through Essentials. \(perDomain.joined(separator: " ")) The outbound connector stays disabled until then; DNS is re-checked every \(Int(configuration.spfRecheck.components.seconds)) s.",
                recheckAfter: configuration.spfRecheck)
        }
        return NoOutput()
    }

    public func observe(_ context: TaskContext) async throws -> Observation {
        let problems = try await problems(context)
        return .wouldChange(problems.map { domain, _ in "wait for the SPF record of \(domain) to authorize Essentials and pass at receivers" })
    }

    /// Each imported domain whose record has problems, in the imported order.
    private func problems(_ context: TaskContext) async throws -> [(String, [String])] {
        let domains = try context.output(of: ImportDomains.key).domains
        let dns = services.dns
        let lint = SPFLint(essentialsMechanisms: configuration.spfMechanisms) { try await dns.txtRecords($0) }
        var problems: [(String, [String])] = []
        for domain in domains {
            let found = try await call { try await lint.problems(of: domain) }
            if !found.isEmpty { problems.append((domain, found)) }
        }
        return problems
    }
}
