import OnboardingEngine

/// A run's task graph as an inline SVG drawn by the server: tasks in columns by dependency depth
/// (a task stands one column right of its deepest dependency), a box per task filled by its state,
/// and an arrow from each dependency to its dependent. No script, no outside resource.
struct TaskGraphDrawing {
    /// One task to draw.
    struct Node {
        var id: String
        var dependencies: [String]
        var state: String
    }

    static let boxWidth = 168
    static let boxHeight = 38
    static let columnGap = 28
    static let rowGap = 16
    static let margin = 10

    let nodes: [Node]

    /// Fill and text colour per task state (presentation attributes, which the CSP allows).
    static func colours(_ state: String) -> (fill: String, stroke: String, text: String) {
        switch state {
        case "succeeded", "observed": ("#d7f0dc", "#2e7d32", "#1b4d1f")
        case "failed": ("#fbd9d6", "#c62828", "#7f1313")
        case "waiting": ("#fff1c7", "#b7860b", "#5c4300")
        case "blocked": ("#ffe0c2", "#d9640b", "#6b2f00")
        case "running": ("#d6e6fb", "#1565c0", "#0d3a73")
        case "skipped": ("#ececec", "#8a8a8a", "#444444")
        default: ("#ffffff", "#9aa4ad", "#333333")
        }
    }

    /// Each task's column: 0 for a task without dependencies, else one more than its deepest dependency's.
    var depths: [String: Int] {
        var depth: [String: Int] = [:]
        let byID = Dictionary(nodes.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        func visit(_ id: String, _ path: Set<String>) -> Int {
            if let known = depth[id] { return known }
            guard let node = byID[id], !path.contains(id) else { return 0 }
            let value = node.dependencies.filter { byID[$0] != nil }.map { visit($0, path.union([id])) + 1 }.max() ?? 0
            depth[id] = value
            return value
        }
        for node in nodes { _ = visit(node.id, []) }
        return depth
    }

    /// The SVG element.
    var svg: String {
        let depth = depths
        var columns: [[Node]] = []
        for node in nodes {
            let column = depth[node.id] ?? 0
            while columns.count <= column { columns.append([]) }
            columns[column].append(node)
        }
        var position: [String: (x: Int, y: Int)] = [:]
        for (column, members) in columns.enumerated() {
            for (row, node) in members.enumerated() {
                position[node.id] = (
                    Self.margin + column * (Self.boxWidth + Self.columnGap),
                    Self.margin + row * (Self.boxHeight + Self.rowGap)
                )
            }
        }
        let width = Self.margin * 2 + max(columns.count, 1) * (Self.boxWidth + Self.columnGap) - Self.columnGap
        let rows = columns.map(\.count).max() ?? 1
        let height = Self.margin * 2 + max(rows, 1) * (Self.boxHeight + Self.rowGap) - Self.rowGap
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" class="graph" role="img" aria-label="Task graph" \
            width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)">\
            <defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" \
            orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#6b7580"/></marker></defs>
            """
        for node in nodes {
            guard let to = position[node.id] else { continue }
            for dependency in node.dependencies {
                guard let from = position[dependency] else { continue }
                let (x1, y1) = (from.x + Self.boxWidth, from.y + Self.boxHeight / 2)
                let (x2, y2) = (to.x, to.y + Self.boxHeight / 2)
                let middle = (x1 + x2) / 2
                out += """
                    <path class="edge" d="M \(x1) \(y1) C \(middle) \(y1), \(middle) \(y2), \(x2) \(y2)" \
                    fill="none" stroke="#6b7580" stroke-width="1.2" marker-end="url(#arrow)"/>
                    """
            }
        }
        for node in nodes {
            guard let at = position[node.id] else { continue }
            let colour = Self.colours(node.state)
            let label = node.id.count > 26 ? String(node.id.prefix(25)) + "…" : node.id
            out += """
                <g class="task \(HTML.escape(node.state))" data-task="\(HTML.escape(node.id))" data-state="\(HTML.escape(node.state))">\
                <title>\(HTML.escape(node.id)): \(HTML.escape(node.state))</title>\
                <rect x="\(at.x)" y="\(at.y)" width="\(Self.boxWidth)" height="\(Self.boxHeight)" rx="6" \
                fill="\(colour.fill)" stroke="\(colour.stroke)" stroke-width="1.5"/>\
                <text x="\(at.x + 10)" y="\(at.y + 16)" font-size="11.5" font-family="sans-serif" fill="\(colour.text)">\(HTML.escape(label))</text>\
                <text x="\(at.x + 10)" y="\(at.y + 30)" font-size="10" font-family="sans-serif" fill="\(colour.text)">\(HTML.escape(node.state))</text>\
                </g>
                """
        }
        return out + "</svg>"
    }
}
