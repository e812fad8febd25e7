import OnboardingEngine

/// A workflow `onboard` can run and support: its name, the input a plan for a new run uses, and
/// its task graph.
///
/// The support commands (`resume`, `retry`, `skip`, `confirm`, `plan`, `permissions`, `graph`) get
/// their graph from ``HostWorkflow/current`` only.
protocol Workflow: Sendable {
    /// The run's input: non-secret, journaled as JSON.
    associatedtype Input: Codable & Sendable

    /// The workflow's name, as journaled with each run.
    var name: String { get }
    /// The input `onboard plan` uses for a new run.
    var sampleInput: Input { get }
    /// Builds the validated graph of tasks; the fingerprint must match the one runs were started with.
    func graph() throws -> TaskGraph
}

/// The one place the support commands get their workflow from.
enum HostWorkflow {
    /// The workflow support commands resume and describe. Swap in the Microsoft 365 workflow here.
    static var current: some Workflow { DemoWorkflow.forSupport }
}
