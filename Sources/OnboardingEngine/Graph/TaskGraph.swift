/// A validated graph of onboarding tasks: unique ids, known dependencies, no cycles.
///
/// Validation happens in the initializer, before anything runs:
///
/// ```swift
/// let graph = try TaskGraph(workflow: "m365-onboarding", tasks: [CheckEntitlement(), ImportDomains(...)])
/// ```
public struct TaskGraph: Sendable {
    /// The workflow's name, journaled with each run (e.g. `"m365-onboarding"`).
    public let workflow: String
    /// The tasks' descriptions in a deterministic topological order (dependencies first).
    public let descriptors: [TaskDescriptor]
    /// A short hash of the ids, versions, effects and dependencies; it changes when the graph does.
    public let fingerprint: String

    let tasks: [AnyTask]
    let indexByID: [TaskID: Int]
    let dependencyIndices: [[Int]]
    let dependentIndices: [[Int]]

    /// Validates `tasks` and builds the graph.
    ///
    /// - Throws: ``EngineError`` with code `duplicateTask`, `unknownDependency` or `cycle`, naming
    ///   every task involved, or `invalidGraph` for an empty graph.
    public init(workflow: String, tasks: [any OnboardingTask]) throws(EngineError) {
        try self.init(workflow: workflow, erased: tasks.map { AnyTask($0) })
    }

    init(workflow: String, erased input: [AnyTask]) throws(EngineError) {
        guard !input.isEmpty else {
            throw EngineError(.invalidGraph, "The graph '\(workflow)' has no tasks.")
        }
        var seen: [TaskID: Int] = [:]
        var duplicates: [TaskID] = []
        for (index, task) in input.enumerated() {
            if seen[task.id] != nil { duplicates.append(task.id) } else { seen[task.id] = index }
        }
        if !duplicates.isEmpty {
            let names = Set(duplicates).sorted().map(\.rawValue)
            throw EngineError(
                .duplicateTask,
                "Task ids must be unique; these appear more than once: \(names.joined(separator: ", ")).",
                taskIDs: names.map { TaskID($0) })
        }
        var unknown: [String] = []
        for task in input {
            for dependency in task.dependencies where seen[dependency] == nil {
                unknown.append("'\(task.id)' depends on '\(dependency)'")
            }
        }
        if !unknown.isEmpty {
            throw EngineError(
                .unknownDependency,
                "Dependencies name tasks that are not in the graph: \(unknown.joined(separator: "; ")).",
                taskIDs: input.filter { $0.dependencies.contains { seen[$0] == nil } }.map(\.id))
        }

        // Kahn's algorithm with ties broken by declaration order, so the order is deterministic.
        let count = input.count
        var deps = input.map { Array(Set($0.dependencies.map { seen[$0]! })).sorted() }
        var dependents = Array(repeating: [Int](), count: count)
        for (index, list) in deps.enumerated() { for d in list { dependents[d].append(index) } }
        var remaining = deps.map(\.count)
        var ready = (0..<count).filter { remaining[$0] == 0 }.reversed() as [Int]
        var order: [Int] = []
        order.reserveCapacity(count)
        while let next = ready.popLast() {
            order.append(next)
            var released: [Int] = []
            for dependent in dependents[next] {
                remaining[dependent] -= 1
                if remaining[dependent] == 0 { released.append(dependent) }
            }
            ready.append(contentsOf: released.sorted().reversed())
        }
        if order.count < count {
            let cycle = TaskGraph.findCycle(deps: deps, remaining: remaining)
            let names = cycle.map { input[$0].id }
            let path = (names + [names[0]]).map { "'\($0)'" }.joined(separator: " → ")
            throw EngineError(.cycle, "The dependencies form a cycle: \(path).", taskIDs: names)
        }

        // Re-index everything in topological order.
        var newIndex = Array(repeating: 0, count: count)
        for (position, old) in order.enumerated() { newIndex[old] = position }
        self.workflow = workflow
        self.tasks = order.map { input[$0] }
        self.indexByID = Dictionary(uniqueKeysWithValues: tasks.enumerated().map { ($1.id, $0) })
        deps = order.map { deps[$0].map { newIndex[$0] }.sorted() }
        self.dependencyIndices = deps
        var newDependents = Array(repeating: [Int](), count: count)
        for (index, list) in deps.enumerated() { for d in list { newDependents[d].append(index) } }
        self.dependentIndices = newDependents
        self.descriptors = tasks.map {
            TaskDescriptor(
                id: $0.id, version: $0.version, dependencies: $0.dependencies.sorted(),
                requiredPermissions: $0.requiredPermissions.sorted(), effect: $0.effect)
        }
        self.fingerprint = TaskGraph.fingerprint(of: descriptors)
    }

    /// The task descriptor for `id`, if the graph has it.
    public func descriptor(for id: TaskID) -> TaskDescriptor? { indexByID[id].map { descriptors[$0] } }

    /// The union of every task's required permissions.
    public var requiredPermissions: Set<Permission> { tasks.reduce(into: []) { $0.formUnion($1.requiredPermissions) } }

    static func fingerprint(of descriptors: [TaskDescriptor]) -> String {
        // FNV-1a, 64 bit: stable across processes and platforms (unlike `Hasher`).
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for descriptor in descriptors.sorted(by: { $0.id < $1.id }) {
            let line = "\(descriptor.id.rawValue)|\(descriptor.version)|\(descriptor.effect.rawValue)|"
                + descriptor.dependencies.map(\.rawValue).joined(separator: ",") + "\n"
            for byte in line.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Finds one cycle among the nodes Kahn's algorithm could not order.
    private static func findCycle(deps: [[Int]], remaining: [Int]) -> [Int] {
        // Every unordered node has an unordered dependency; walk them until a node repeats.
        guard var current = remaining.firstIndex(where: { $0 > 0 }) else { return [] }
        var visitedAt: [Int: Int] = [:]
        var path: [Int] = []
        while visitedAt[current] == nil {
            visitedAt[current] = path.count
            path.append(current)
            current = deps[current].first { remaining[$0] > 0 }!
        }
        return Array(path[visitedAt[current]!...])
    }
}

/// The journaled, comparable description of one task in a graph.
public struct TaskDescriptor: Sendable, Hashable, Codable {
    /// The task's id.
    public var id: TaskID
    /// The task's version.
    public var version: Int
    /// The ids it depends on, sorted.
    public var dependencies: [TaskID]
    /// The permissions it needs, sorted.
    public var requiredPermissions: [Permission]
    /// Whether it changes anything.
    public var effect: TaskEffect

    /// Creates a descriptor.
    public init(id: TaskID, version: Int, dependencies: [TaskID], requiredPermissions: [Permission], effect: TaskEffect) {
        self.id = id
        self.version = version
        self.dependencies = dependencies
        self.requiredPermissions = requiredPermissions
        self.effect = effect
    }

    private enum CodingKeys: String, CodingKey {
        case id, version, dependencies, requiredPermissions, effect
    }

    /// Decodes the journaled form: ids and permissions as plain strings.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = TaskID(try container.decode(String.self, forKey: .id))
        version = try container.decode(Int.self, forKey: .version)
        dependencies = try container.decode([String].self, forKey: .dependencies).map { TaskID($0) }
        requiredPermissions = try container.decode([String].self, forKey: .requiredPermissions).map { Permission($0) }
        effect = try container.decode(TaskEffect.self, forKey: .effect)
    }

    /// Encodes ids and permissions as plain strings (the same JSON as their own encoding, without
    /// the encoder's generic path for each one: a large graph is journaled when its run starts).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id.rawValue, forKey: .id)
        try container.encode(version, forKey: .version)
        try container.encode(dependencies.map(\.rawValue), forKey: .dependencies)
        try container.encode(requiredPermissions.map(\.name), forKey: .requiredPermissions)
        try container.encode(effect.rawValue, forKey: .effect)
    }
}
