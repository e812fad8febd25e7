/// How a graph differs from the one a run began with: what resume would change.
public struct GraphDiff: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A task whose version or dependencies changed.
    public struct Change: Sendable, Hashable, Codable {
        /// The task.
        public var id: TaskID
        /// The version and dependencies the run began with.
        public var before: TaskDescriptor
        /// The version and dependencies now.
        public var after: TaskDescriptor
    }

    /// Tasks in the new graph that the run did not have.
    public var added: [TaskID]
    /// Tasks the run had that the new graph lacks.
    public var removed: [TaskID]
    /// Tasks whose version, effect or dependencies changed.
    public var changed: [Change]

    /// Compares the graph a run began with (`old`) with `new`.
    public init(old: [TaskDescriptor], new: [TaskDescriptor]) {
        let before = Dictionary(old.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let after = Dictionary(new.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        added = new.map(\.id).filter { before[$0] == nil }.sorted()
        removed = old.map(\.id).filter { after[$0] == nil }.sorted()
        changed = new.compactMap { task -> Change? in
            guard let previous = before[task.id] else { return nil }
            let same = previous.version == task.version && previous.dependencies == task.dependencies
                && previous.effect == task.effect
            return same ? nil : Change(id: task.id, before: previous, after: task)
        }.sorted { $0.id < $1.id }
    }

    /// Whether the graphs are the same.
    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }

    /// A readable, multi-line diff, e.g. `+ enable-outbound` / `- old-step` / `~ inbound-connector: version 1 → 2`.
    public var description: String {
        var lines: [String] = added.map { "+ \($0) (added)" } + removed.map { "- \($0) (removed)" }
        for change in changed {
            var parts: [String] = []
            if change.before.version != change.after.version {
                parts.append("version \(change.before.version) → \(change.after.version)")
            }
            if change.before.dependencies != change.after.dependencies {
                let old = change.before.dependencies.map(\.rawValue).joined(separator: ", ")
                let new = change.after.dependencies.map(\.rawValue).joined(separator: ", ")
                parts.append("dependencies [\(old)] → [\(new)]")
            }
            if change.before.effect != change.after.effect {
                parts.append("effect \(change.before.effect.rawValue) → \(change.after.effect.rawValue)")
            }
            lines.append("~ \(change.id): \(parts.joined(separator: "; "))")
        }
        return lines.joined(separator: "\n")
    }
}
