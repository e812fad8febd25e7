import CSQLite
import Foundation
import Logging
import OnboardingEngine
import OnboardingEngineTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A fresh folder for files a test makes itself.
private func folder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

private let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

/// The tasks the checked-in v1 journal was made with (Fixtures/journal-v1.sqlite).
private func fixtureGraph() throws -> TaskGraph {
    let fetch = ClosureTask(id: "fetch", output: [String].self) { context in
        try await context.saveCheckpoint(["page": 2])
        return ["contoso.com", "mail.contoso.com"]
    }
    let approve = ClosureTask(id: "approve", dependencies: ["fetch"]) { context in
        guard context.confirmation != nil else { throw TaskInterruption.waitingForPerson(action: "Approve the domains.") }
        return NoOutput()
    }
    let count = ClosureTask(id: "count", dependencies: ["fetch", "approve"], output: Int.self) { context in
        try context.output(of: "fetch", as: [String].self).count
    }
    return try TaskGraph(workflow: "fixture", tasks: [fetch, approve, count])
}

@Suite("The journal refuses what it did not write, and checks what it reads")
struct JournalIntegrityTests {
    @Test func anEmptyFileIsRefusedAndLeftUntouched() throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("journal.sqlite").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        let error = #expect(throws: JournalError.self) { _ = try Journal(path: path) }
        #expect(error?.code == .notAJournal)
        #expect(error?.message.contains("empty (0 bytes)") == true, "\(String(describing: error))")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).isEmpty, "still 0 bytes")
    }

    @Test func anEmptySQLiteDatabaseIsRefusedAndLeftUntouched() throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("other.sqlite").path
        try rawSQL(path, "CREATE TABLE t (x); DROP TABLE t;")
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let error = #expect(throws: JournalError.self) { _ = try Journal(path: path) }
        #expect(error?.code == .notAJournal)
        #expect(error?.message.contains("empty SQLite database") == true, "\(String(describing: error))")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func aFileMarkedAsAJournalWithoutItsTablesIsRefused() throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("marked.sqlite").path
        try rawSQL(path, "PRAGMA application_id = 1330528842; PRAGMA user_version = 2;")
        let error = #expect(throws: JournalError.self) { _ = try Journal(path: path) }
        #expect(error?.code == .corrupt, "\(String(describing: error))")
    }

    @Test func manyConnectionsCreatingOneJournalAtOnceAllGetTheSameWholeJournal() async throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("journal.sqlite").path
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { _ = try Journal(path: path).runs() } }
            try await group.waitForAll()
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains("creating") }
        #expect(left.isEmpty, "no temporary files left: \(left)")
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test func aFlippedByteInAStoredGraphIsReportedNotUsed() async throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("journal.sqlite").path
        let tasks = (0..<8).map { index in
            ClosureTask(id: TaskID("a-task-with-a-long-name-\(index)")) { context in
                guard context.confirmation != nil else { throw TaskInterruption.waitingForPerson(action: "Confirm.") }
                return NoOutput()
            }
        }
        let graph = try TaskGraph(workflow: "flip", tasks: tasks)
        do {
            let engine = Engine(journal: try Journal(path: path), logger: quiet)
            _ = try await engine.start(graph, id: "r", input: Empty(), options: RunOptions(maxIdleWait: .zero))
        }  // the engine and its journal are gone: the WAL is folded into the file
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let start = try #require(bytes.range(of: Data(#"[{"dependencies""#.utf8))).upperBound + 40
        for index in start..<(start + 64) where bytes[index] >= 0x61 && bytes[index] <= 0x7A {
            bytes[index] = bytes[index] == 0x7A ? 0x61 : bytes[index] + 1  // another lower-case letter
        }
        try bytes.write(to: URL(fileURLWithPath: path))
        do {
            let journal = try Journal(path: path)
            #expect(try journal.integrityCheck() == ["ok"], "SQLite itself sees nothing wrong")
            let engine = Engine(journal: journal, logger: quiet)
            let error = await #expect(throws: JournalError.self) {
                _ = try await engine.resume("r", graph: graph)
            }
            #expect(error?.code == .corrupt)
            #expect(error?.message.contains("graph of run 'r'") == true, "\(String(describing: error))")
            #expect(throws: JournalError.self) { _ = try journal.graph(of: "r") }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == bytes, "nothing was written")
    }

    @Test func aStoredValueThatCannotBeReadIsNamedInWordsNeverByItsSwiftType() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        let approve = ClosureTask(id: "approve") { context in
            guard context.confirmation != nil else { throw TaskInterruption.waitingForPerson(action: "Approve.") }
            return NoOutput()
        }
        let graph = try TaskGraph(workflow: "words", tasks: [approve])
        _ = try await harness.engine.start(graph, id: "r", input: Empty(), options: RunOptions(maxIdleWait: .zero))
        // Columns without a checksum, edited by hand: each is named as a person would name it.
        try rawSQL(harness.temporary.path, #"UPDATE tasks SET park = '{"not": "a park"}' WHERE run_id = 'r'"#)
        let park = #expect(throws: JournalError.self) { _ = try harness.journal.tasks(of: "r") }
        #expect(park?.message.contains("park reason of task 'approve' of run 'r' could not be read") == true, "\(park?.message ?? "")")
        try rawSQL(harness.temporary.path, "UPDATE runs SET options = '[]' WHERE id = 'r'")
        let options = #expect(throws: JournalError.self) { _ = try harness.journal.run("r") }
        #expect(options?.message.contains("options of run 'r' could not be read") == true, "\(options?.message ?? "")")
        for message in [park?.message ?? "", options?.message ?? ""] {
            for swiftName in ["ParkReason", "RunOptions", "Optional<", "Array<", "Swift."] {
                #expect(!message.contains(swiftName), "\(message)")
            }
        }
    }

    @Test func aFlippedByteInAStoredOutputIsReportedNotUsed() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        let fetch = ClosureTask(id: "fetch", output: String.self) { _ in "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz" }
        let graph = try TaskGraph(workflow: "flip", tasks: [fetch])
        _ = try await harness.engine.start(graph, id: "r", input: Empty())
        // An edit that bypasses the journal, as a damaged disk or a hand edit would.
        try rawSQL(harness.temporary.path, "UPDATE tasks SET output = replace(output, 'zzzz', 'zzzy') WHERE run_id = 'r'")
        let error = #expect(throws: JournalError.self) { _ = try harness.journal.tasks(of: "r") }
        #expect(error?.code == .corrupt)
        #expect(error?.message.contains("output of task 'fetch' of run 'r'") == true, "\(String(describing: error))")
    }

    @Test func aVersion1JournalUpgradesInPlaceAndItsRunsResume() async throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/journal-v1.sqlite")
        let path = directory.appendingPathComponent("journal.sqlite").path
        try FileManager.default.copyItem(atPath: fixture.path, toPath: path)
        #expect(throws: JournalError.self, "a v1 journal must be upgraded before it can be read") {
            _ = try Journal(path: path, options: .reading)
        }
        let journal = try Journal(path: path)
        #expect(Set(try journal.runs().map(\.id)) == ["parked", "finished"])
        let engine = Engine(journal: journal, logger: quiet)
        try await engine.confirm("approve", in: "parked", actor: "admin", note: "approved")
        let result = try await engine.resume("parked", graph: try fixtureGraph())
        #expect(result.state == .succeeded)
        #expect(try result.task("count")?.decodeOutput(as: Int.self) == 2, "the v1 output was read, checksummed, and used")
        // Read-only opens work once it is upgraded.
        #expect(try Journal(path: path, options: .reading).runs().count == 2)
    }

    @Test func aReadOnlyJournalListsAndShowsButNeverWrites() async throws {
        let harness = try Harness()
        defer { harness.remove() }
        let waiting = ClosureTask(id: "wait") { context in
            guard context.confirmation != nil else { throw TaskInterruption.waitingForPerson(action: "Confirm.") }
            return NoOutput()
        }
        _ = try await harness.engine.start(try TaskGraph(workflow: "ro", tasks: [waiting]), id: "r", input: Empty())
        let reader = try Journal(path: harness.temporary.path, options: .reading)
        #expect(try reader.runs().map(\.id) == ["r"])
        #expect(try reader.tasks(of: "r").first?.state == .waiting)
        let engine = Engine(journal: reader, logger: quiet)
        await #expect(throws: (any Error).self) { try await engine.confirm("wait", in: "r", actor: "support") }
        #expect(try harness.journal.tasks(of: "r").first?.confirmation == nil, "the refused write changed nothing")
    }
}

