import Foundation
import OnboardingEngine
import OnboardingEngineTesting
import Testing

/// The crash points a task marks cost nothing in production and reach a test host's handler only.
@Suite("Crash points: a hook a test host installs, a no-op otherwise")
struct CrashPointTests {
    static func graph() throws -> TaskGraph {
        let first = ClosureTask(id: "first") { context in
            context.crashPoint("halfway")
            return NoOutput()
        }
        let second = ClosureTask(id: "second", dependencies: ["first"]) { _ in NoOutput() }
        return try TaskGraph(workflow: "points", tasks: [first, second])
    }

    @Test func theHandlerSeesTheEnginesPointsAroundEachAttemptAndTheTasksOwnInOrder() async throws {
        let points = Counter()
        let harness = try Harness(configuration: EngineConfiguration(crashPointHandler: { points.record($0) }))
        defer { harness.remove() }
        let result = try await harness.engine.start(try Self.graph(), id: "r", input: Empty())
        #expect(result.state == .succeeded)
        #expect(points.log == ["before-run:first", "halfway:first", "after-run:first", "before-run:second", "after-run:second"])
    }

    @Test func withoutAHandlerAndInPlansTheyAreNoOps() async throws {
        let harness = try Harness()  // production: no handler
        defer { harness.remove() }
        #expect(try await harness.engine.start(try Self.graph(), id: "r", input: Empty()).state == .succeeded)

        let points = Counter()
        let planning = try Harness(configuration: EngineConfiguration(crashPointHandler: { points.record($0) }))
        defer { planning.remove() }
        let observed = ClosureTask(
            id: "observed",
            observe: { context in
                context.crashPoint("looking")
                return .satisfied
            },
            run: { _ in NoOutput() })
        _ = try await planning.engine.plan(try TaskGraph(workflow: "points", tasks: [observed]), input: Empty())
        #expect(points.log.isEmpty, "a plan changes nothing, so it never crashes: \(points.log)")
    }
}
