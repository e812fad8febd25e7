import Foundation
import Logging
import OnboardingEngine
import OnboardingEngineTesting
import Testing

/// With `synchronous=NORMAL` an uncontended commit is made on the caller's thread, one that
/// meets another connection's write lock goes through the journal's queue (and waits there), and
/// the WAL is checkpointed on a connection of its own.
@Suite("Durability normal: commits inline, contended ones queued, the WAL checkpointed")
struct NormalDurabilityTests {
    private static let quiet = Logger(label: "normal", factory: { _ in SwiftLogNoOpLogHandler() })

    private static func chain(_ count: Int, prefix: String) throws -> TaskGraph {
        try TaskGraph(
            workflow: "chain",
            tasks: (0..<count).map { index in
                step(TaskID("\(prefix)\(index)"), index == 0 ? [] : [TaskID("\(prefix)\(index - 1)")])
            })
    }

    @Test func twoProcessesWritingOneJournalAtOnceBothFinishAndEverythingIsThere() async throws {
        let temporary = try TemporaryJournal(options: JournalOptions(durability: .normal))
        defer { temporary.remove() }
        let options = JournalOptions(durability: .normal)
        // Two connections, as two processes have: each one's commits meet the other's write lock.
        let engines = try ["host-a:1:a", "host-b:2:b"].map { owner in
            Engine(
                journal: try temporary.reopen(options: options), configuration: EngineConfiguration(ownerID: owner),
                logger: Self.quiet)
        }
        let graph = try Self.chain(300, prefix: "t")
        async let first = engines[0].start(graph, id: "a", input: Empty())
        async let second = engines[1].start(graph, id: "b", input: Empty())
        let results = try await [first, second]
        #expect(results.map(\.state) == [.succeeded, .succeeded])

        // A fresh connection (a new process) reads every commit.
        let reader = try temporary.reopen(options: .reading)
        for run: RunID in ["a", "b"] {
            #expect(try reader.tasks(of: run).allSatisfy { $0.state == .succeeded })
            #expect(try reader.events(of: run).filter { $0.action == "task.succeeded" }.count == 300)
        }
    }

    @Test func aLongRunCheckpointsItsWALWithoutStoppingAndTheFileHoldsEverything() async throws {
        let options = JournalOptions(durability: .normal)
        let temporary = try TemporaryJournal(options: options)
        defer { temporary.remove() }
        let engine = Engine(journal: temporary.journal, logger: Self.quiet)
        let mainFile = { (try? FileManager.default.attributesOfItem(atPath: temporary.path)[.size] as? Int) ?? 0 }
        let before = mainFile()
        // More commits than the checkpoint interval (2,048).
        let result = try await engine.start(try Self.chain(2_500, prefix: "t"), id: "r", input: Empty())
        #expect(result.state == .succeeded)
        // The checkpoint runs beside the commits; give it a moment to land.
        for _ in 0..<200 where mainFile() <= before { try await Task.sleep(for: .milliseconds(10)) }
        #expect(mainFile() > before, "pages were copied from the WAL into the journal file")
        #expect(try temporary.reopen(options: .reading).tasks(of: "r").count == 2_500)
    }
}
