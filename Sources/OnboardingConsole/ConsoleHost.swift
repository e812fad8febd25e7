import Foundation
import OnboardingEngine

/// What the console asks of the host that serves it: the bits that depend on the host's workflows
/// and its command-line tool. The console itself knows no workflow.
public protocol ConsoleHost: Sendable {
    /// Labels that say whose run this is, from its journaled input: e.g. `["tenant": "contoso",
    /// "org": "contoso.com"]`. Shown beside the run; never a secret (the input holds none).
    func labels(workflow: String, input: [UInt8]) -> [String: String]

    /// The top-level fields of the runs' JSON input that a search looks in, besides the run's id
    /// (``RunFilter/searchFields``): e.g. the tenant and the organization, never a nonce.
    var searchFields: [String] { get }

    /// The command line a person runs for `command` (with every option the host needs, such as the
    /// journal), or `nil` when the host has no command for it.
    func commandLine(for command: SupportCommand) -> String?

    /// The graph run `run` follows, for actions that check something against it (a skip's output).
    ///
    /// - Throws: ``EngineError`` `unknownWorkflow` for a workflow the host does not run.
    func graph(for run: RunRecord) async throws -> TaskGraph

    /// The link a person opens (or sends to the tenant's admin) while run `run` waits for consent,
    /// shown on the run's page; `nil` when the run waits for none. Only `http` and `https` links
    /// are shown.
    func consentLink(for run: RunDetail) -> String?
}

extension ConsoleHost {
    /// No labels.
    public func labels(workflow: String, input: [UInt8]) -> [String: String] { [:] }
    /// The run's id only.
    public var searchFields: [String] { [] }
    /// No command lines.
    public func commandLine(for command: SupportCommand) -> String? { nil }
    /// No consent links.
    public func consentLink(for run: RunDetail) -> String? { nil }
}

/// A support action a next step suggests, for the host to write as its own command line.
public struct SupportCommand: Sendable, Hashable {
    /// What to do.
    public enum Verb: String, Sendable, Hashable, CaseIterable, Codable {
        /// Continue the run.
        case resume
        /// Retry a task.
        case retry
        /// Confirm what a task waits for; the command takes a note.
        case confirm
        /// Re-check what a task waits for.
        case signal
        /// Skip a task; the command takes a reason.
        case skip
        /// Cancel the run; the command takes a reason.
        case cancel
        /// Show the run.
        case show

        /// Whether the action names a task (retry, confirm, signal, skip). A step about a task
        /// may still suggest a run-wide action (resume the run to re-check a condition): its
        /// command line then names the run alone.
        public var actsOnATask: Bool {
            switch self {
            case .retry, .confirm, .signal, .skip: true
            case .resume, .cancel, .show: false
            }
        }
    }

    /// What to do.
    public var verb: Verb
    /// The run.
    public var run: RunID
    /// The task, for task actions.
    public var task: TaskID?

    /// Creates a command.
    public init(_ verb: Verb, run: RunID, task: TaskID? = nil) {
        self.verb = verb
        self.run = run
        self.task = task
    }
}
