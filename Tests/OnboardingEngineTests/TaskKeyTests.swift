import Foundation
import OnboardingEngine
import OnboardingEngineTesting
import Testing

/// A producer and a consumer that name each other by typed keys.
private struct Lookup: OnboardingTask {
    struct Output: Codable, Sendable, Hashable { var tenant: String }
    static let key = TaskKey<Output>("lookup")
    let fails: Bool
    var id: TaskID { Self.key.id }
    func run(_ context: TaskContext) async throws -> Output {
        if fails { throw TaskInterruption.permanent("the directory is down") }
        return Output(tenant: "contoso")
    }
}

private struct Greet: OnboardingTask {
    static let key = TaskKey<String>("greet")
    var id: TaskID { Self.key.id }
    var dependencies: [TaskID] { [Lookup.key.id] }
    func run(_ context: TaskContext) async throws -> String {
        "hello \(try context.output(of: Lookup.key).tenant)"
    }
}

@Suite("Typed task keys")
struct TaskKeyTests {
    @Test func aKeyReadsATypedOutputAndSkipsWithATypedStandIn() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        let graph = try TaskGraph(workflow: "keys", tasks: [Lookup(fails: true), Greet()])
        let failed = try await harness.engine.start(graph, id: "r", input: Empty())
        #expect(failed.state == .failed)

        // The stand-in output is the key's type: the compiler checks it, the engine journals it.
        try await harness.engine.skip(
            Lookup.key, in: "r", graph: graph, output: Lookup.Output(tenant: "fabrikam"), actor: "erin", reason: "by hand")
        let result = try await harness.engine.resume("r", graph: graph)
        #expect(result.state == .succeeded)
        #expect(try result.output(of: Greet.key) == "hello fabrikam")
        #expect(try result.output(of: Lookup.key) == Lookup.Output(tenant: "fabrikam"))
    }
}
