public import OnboardingEngine

/// One onboarding run per child organization of a parent (channel) organization.
///
/// The parent's `child-organizations` task turns on "Allow customers to use integrations" and
/// lists the children. Each child is its own Essentials organization with its own Microsoft 365
/// tenant and its own Global Admin, who must consent, so each gets its own run:
///
/// ```swift
/// let parent = try await engine.start(graph, id: "msp", input: OnboardingInput(…, isParentOrg: true))
/// let children = try await ChildOnboarding.onboardChildren(of: parent, input: parentInput, engine: engine) { child in
///     (try EssentialsWorkflow.graph(services: services(for: child.input.tenantID)), child.input)
/// }
/// ```
///
/// A child's run id is derived from the parent's (`PARENT/child.example`) and started with
/// `Engine.startOrResume(_:id:input:options:actor:)`, so calling this again (after
/// the host crashed halfway, or on every resume of the parent) starts the children not started
/// yet and resumes the others; none is started twice.
///
/// The child's Microsoft 365 tenant is not known to Essentials, so a child run names it by the
/// child's primary domain, which the identity platform resolves when it is a verified domain of
/// the tenant. When it is not, the child's run fails at the first token request ("The tenant
/// does not exist"); a host that knows the tenant id sets it in `prepare`.
public enum ChildOnboarding {
    /// One child organization's run.
    public struct Child: Sendable, Hashable {
        /// The run's id: the parent's id, a slash, and the child's primary domain in lower case.
        public var runID: RunID
        /// The child's primary domain.
        public var organization: String
        /// The run's input: the child's org, its tenant named by that domain, the parent's sync
        /// schedule and consent redirect.
        public var input: OnboardingInput
    }

    /// What happened to one child: its run's result, or why it could not be started or resumed.
    public struct Outcome: Sendable {
        /// The child.
        public var child: Child
        /// The run's result, or the error that stopped it (another child's error does not).
        public var result: Result<RunResult, any Error>
    }

    /// The children the parent's `child-organizations` task listed, as runs; empty until that
    /// task has succeeded (and for an org that is not a parent).
    ///
    /// - Throws: `EngineError` when the task's output does not decode.
    public static func children(of parent: RunResult, input: OnboardingInput) throws -> [Child] {
        guard let record = parent.task(ChildOrganizations.key.id), record.state == .succeeded,
            let output = try record.decodeOutput(as: ChildOrganizations.Output.self)
        else { return [] }
        return output.children.map { domain in
            let organization = domain.lowercased()
            return Child(
                runID: RunID("\(parent.runID)/\(organization)"), organization: organization,
                input: OnboardingInput(
                    tenantID: organization, essentialsOrg: organization, syncFrequencyHours: input.syncFrequencyHours,
                    consentRedirectURI: input.consentRedirectURI,
                    consentState: input.consentState.isEmpty ? "" : "\(input.consentState):\(organization)"))
        }
    }

    /// Starts or resumes one run per child of `parent`, at most `maxConcurrent` at once, each until
    /// it finishes or parks (a child's run usually waits for its own admin's consent first).
    ///
    /// - Parameters:
    ///   - parent: the parent run's latest result.
    ///   - input: the parent run's input.
    ///   - engine: the engine to run the children on (its journal gets one run per child).
    ///   - options: the options of a child run when it is started (a resumed one keeps its own).
    ///   - maxConcurrent: how many children run at once.
    ///   - actor: who resumes a child run that exists, for its timeline.
    ///   - prepare: the child's graph (its services pointed at the child's tenant) and the input to
    ///     journal for it (the child's ``Child/input``, or a host's richer type around it).
    /// - Returns: one outcome per child, in the parent's order.
    public static func onboardChildren<JournaledInput: Encodable & Sendable>(
        of parent: RunResult, input: OnboardingInput, engine: Engine, options: RunOptions = RunOptions(),
        maxConcurrent: Int = 4,
        actor: String = "engine",
        prepare: @escaping @Sendable (Child) throws -> (graph: TaskGraph, input: JournaledInput)
    ) async throws -> [Outcome] {
        let children = try children(of: parent, input: input)
        return await withTaskGroup(of: (Int, Outcome).self) { group in
            var outcomes: [Outcome?] = Array(repeating: nil, count: children.count)
            var next = 0
            func launch() {
                guard next < children.count else { return }
                let (index, child) = (next, children[next])
                next += 1
                group.addTask {
                    do {
                        let (graph, journaled) = try prepare(child)
                        let result = try await engine.startOrResume(
                            graph, id: child.runID, input: journaled, options: options, actor: actor)
                        return (index, Outcome(child: child, result: .success(result)))
                    } catch {
                        return (index, Outcome(child: child, result: .failure(error)))
                    }
                }
            }
            for _ in 0..<max(1, maxConcurrent) { launch() }
            for await (index, outcome) in group {
                outcomes[index] = outcome
                launch()
            }
            return outcomes.compactMap { $0 }
        }
    }
}
