import Foundation
import Logging
import OnboardingEngine
import OnboardingEngineTesting
import Testing

@Suite("Graph validation")
struct GraphTests {
    @Test func duplicateIDsAreNamed() throws {
        let error = #expect(throws: EngineError.self) {
            try TaskGraph(workflow: "w", tasks: [step("a"), step("b"), step("a")])
        }
        #expect(error?.code == .duplicateTask)
        #expect(error?.taskIDs == ["a"])
        #expect(error?.message.contains("a") == true)
    }

    @Test func unknownDependenciesAreNamed() throws {
        let error = #expect(throws: EngineError.self) {
            try TaskGraph(workflow: "w", tasks: [step("a"), step("b", ["a", "ghost"])])
        }
        #expect(error?.code == .unknownDependency)
        #expect(error?.taskIDs == ["b"])
        #expect(error?.message.contains("'b' depends on 'ghost'") == true)
    }

    @Test func cyclesNameEveryTaskInTheCycle() throws {
        let error = #expect(throws: EngineError.self) {
            try TaskGraph(workflow: "w", tasks: [step("root"), step("a", ["root", "c"]), step("b", ["a"]), step("c", ["b"])])
        }
        #expect(error?.code == .cycle)
        #expect(Set(error?.taskIDs ?? []) == ["a", "b", "c"])
        #expect(error?.message.contains("→") == true)
    }

    @Test func selfDependencyIsACycle() throws {
        let error = #expect(throws: EngineError.self) { try TaskGraph(workflow: "w", tasks: [step("a", ["a"])]) }
        #expect(error?.code == .cycle)
        #expect(error?.taskIDs == ["a"])
    }

    @Test func emptyGraphIsRefused() throws {
        let error = #expect(throws: EngineError.self) { try TaskGraph(workflow: "w", tasks: []) }
        #expect(error?.code == .invalidGraph)
    }

    @Test func orderIsTopologicalAndDeterministic() throws {
        let tasks = [step("d", ["b", "c"]), step("c", ["a"]), step("b", ["a"]), step("a")]
        let graph = try TaskGraph(workflow: "w", tasks: tasks)
        #expect(graph.descriptors.map(\.id) == ["a", "c", "b", "d"])
        let again = try TaskGraph(workflow: "w", tasks: tasks)
        #expect(graph.fingerprint == again.fingerprint)
    }

    @Test func fingerprintChangesWithVersionsAndDependencies() throws {
        let base = try TaskGraph(workflow: "w", tasks: [step("a"), step("b", ["a"])])
        let versioned = try TaskGraph(
            workflow: "w", tasks: [step("a"), ClosureTask(id: "b", version: 2, dependencies: ["a"]) { _ in NoOutput() }])
        let rewired = try TaskGraph(workflow: "w", tasks: [step("a"), step("b")])
        #expect(base.fingerprint != versioned.fingerprint)
        #expect(base.fingerprint != rewired.fingerprint)
        let diff = GraphDiff(old: base.descriptors, new: versioned.descriptors)
        #expect(diff.changed.map(\.id) == ["b"])
        #expect(diff.description.contains("version 1 → 2"))
    }
}

@Suite("Journaled graph JSON")
struct GraphJSONTests {
    @Test func theHandWrittenGraphJSONDecodesToTheSameDescriptors() async throws {
        let tricky = ClosureTask(id: "quote\"back\\slash\nnew\u{1}line", requiredPermissions: ["Mail.ReadWrite", "é"]) { _ in NoOutput() }
        let graph = try TaskGraph(workflow: "w", tasks: [step("a"), tricky, step("b", ["a", tricky.id], effect: .readOnly)])
        let temporary = try TemporaryJournal()
        defer { temporary.remove() }
        let engine = Engine(journal: temporary.journal, clock: ManualClock(), logger: .init(label: "t", factory: { _ in SwiftLogNoOpLogHandler() }))
        // Starting journals the graph; reading it back goes through the standard decoder.
        _ = try await engine.start(graph, id: "r", input: Empty())
        #expect(try temporary.journal.graph(of: "r") == graph.descriptors)
    }

    /// The journal's graph JSON is written without `JSONEncoder`, byte for byte as it would write it.
    @Test func theGraphJSONIsWhatJSONEncoderWrites() throws {
        let odd = "q\"b\\s/l\n\r\t\u{8}\u{C}\u{1}\u{1F}\u{7F}é😀"
        let descriptors = [
            TaskDescriptor(id: "a", version: 1, dependencies: [], requiredPermissions: [], effect: .mutating),
            TaskDescriptor(id: TaskID(odd), version: -3, dependencies: ["a", TaskID(odd)], requiredPermissions: [Permission(odd), "Mail.Send"], effect: .readOnly),
            TaskDescriptor(id: "c", version: 12_345_678_901, dependencies: ["a"], requiredPermissions: ["Domain.Read.All"], effect: .mutating),
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for list in [[], descriptors] {
            #expect(JSONCoding.graphJSON(list) == String(decoding: try encoder.encode(list), as: UTF8.self))
        }
    }
}

