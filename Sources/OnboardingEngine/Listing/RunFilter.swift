import Foundation

/// Which runs a listing wants (``Engine/runs(matching:limit:offset:)``): every condition
/// that is set must hold; an empty filter matches every run.
///
/// ```swift
/// let failedAtImport = RunFilter(states: [.failed], task: "import-domains")
/// ```
public struct RunFilter: Sendable, Hashable {
    /// Runs in any of these states; empty for any state.
    public var states: Set<RunState>
    /// Runs of this workflow.
    public var workflow: String?
    /// Runs whose id, or one of the input fields ``searchFields`` names, contains this text,
    /// ignoring ASCII case (a tenant, an organization's domain).
    public var search: String?
    /// The top-level fields of the runs' JSON input that ``search`` looks in (e.g. `["tenantID",
    /// "essentialsOrg"]`): the host names them, so a search never probes fields it should not
    /// (a nonce). Names are letters, digits and `_`; others are ignored. Empty: the id only.
    public var searchFields: [String]
    /// Runs with this task failed, waiting or blocked: the task the run stopped at.
    public var task: TaskID?
    /// Runs with a failed, waiting or blocked task whose last error has this code.
    public var errorCode: String?
    /// `true`: only stalled runs (marked running, no live engine holds them, see
    /// ``RunRecord/isStalled(at:)``); `false`: only runs that are not stalled.
    public var stalled: Bool?

    /// The task states that make a run stop at a task: the ones ``task`` and ``errorCode`` look at.
    public static let attentionStates: [TaskState] = [.failed, .waiting, .blocked]

    /// Creates a filter; every condition left out matches every run.
    public init(
        states: Set<RunState> = [], workflow: String? = nil, search: String? = nil, task: TaskID? = nil,
        errorCode: String? = nil, stalled: Bool? = nil, searchFields: [String] = []
    ) {
        self.states = states
        self.searchFields = searchFields
        self.workflow = workflow
        self.search = search
        self.task = task
        self.errorCode = errorCode
        self.stalled = stalled
    }

    /// The filter with no condition on the run's state (the one state counts are taken over).
    public var ignoringStates: RunFilter {
        var filter = self
        filter.states = []
        return filter
    }

    /// ``searchFields`` that are safe to name in a JSON path.
    package var validSearchFields: [String] {
        searchFields.filter { field in
            !field.isEmpty && field.count <= 64
                && field.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || CharacterSet.alphanumerics.contains($0)) }
        }
    }

    /// ``search`` as a `LIKE` pattern with `\` escaping `%`, `_` and itself.
    package var searchPattern: String? {
        guard let search, !search.isEmpty else { return nil }
        var escaped = ""
        for character in search {
            if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return "%\(escaped)%"
    }
}
