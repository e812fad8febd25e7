/// Renders task descriptors as a Mermaid flowchart or a Graphviz digraph, dependencies first.
///
/// ```swift
/// print(GraphRenderer(graph: graph).mermaid())
/// ```
public struct GraphRenderer: Sendable {
    /// The workflow's name (the digraph's name).
    public let workflow: String
    /// The tasks, in the order they are drawn.
    public let descriptors: [TaskDescriptor]
    /// Task states, when rendering a run; shown in the labels.
    public let states: [TaskID: TaskState]

    /// Renders `descriptors`, labelled with `states` when given.
    public init(workflow: String, descriptors: [TaskDescriptor], states: [TaskID: TaskState] = [:]) {
        self.workflow = workflow
        self.descriptors = descriptors
        self.states = states
    }

    /// Renders a graph.
    public init(graph: TaskGraph, states: [TaskID: TaskState] = [:]) {
        self.init(workflow: graph.workflow, descriptors: graph.descriptors, states: states)
    }

    /// A Mermaid `flowchart TD`; read-only tasks are drawn rounded.
    public func mermaid() -> String {
        var lines = ["flowchart TD"]
        for task in descriptors {
            let label = label(task).replacingOccurrences(of: "\"", with: "#quot;")
            lines.append(
                task.effect == .readOnly ? "    \(node(task.id))(\"\(label)\")" : "    \(node(task.id))[\"\(label)\"]")
        }
        for task in descriptors {
            for dependency in task.dependencies { lines.append("    \(node(dependency)) --> \(node(task.id))") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A Graphviz `digraph`; read-only tasks are drawn as ellipses, mutating ones as boxes.
    public func dot() -> String {
        var lines = ["digraph \(quoted(workflow)) {", "    rankdir=TB;"]
        for task in descriptors {
            let shape = task.effect == .readOnly ? "ellipse" : "box"
            lines.append("    \(quoted(task.id.rawValue)) [label=\(quoted(label(task))), shape=\(shape)];")
        }
        for task in descriptors {
            for dependency in task.dependencies {
                lines.append("    \(quoted(dependency.rawValue)) -> \(quoted(task.id.rawValue));")
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    private func label(_ task: TaskDescriptor) -> String {
        states[task.id].map { "\(task.id.rawValue) (\($0))" } ?? task.id.rawValue
    }

    /// A Mermaid node id: letters, digits and underscores only.
    private func node(_ id: TaskID) -> String {
        "t_" + String(id.rawValue.map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    private func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
