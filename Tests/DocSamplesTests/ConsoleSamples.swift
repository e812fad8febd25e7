import Foundation
import Hummingbird
import Logging
import OnboardingConsole
import OnboardingEngine
import Testing

// The samples of Docs/SupportConsole.md, compiled, and the console mounted once on a temporary journal.

/// Labels, search fields, command lines and graphs for the console, from this host's run input.
struct MyConsoleHost: ConsoleHost {
    let registry: WorkflowRegistry
    var searchFields: [String] { ["tenantID"] }

    func labels(workflow: String, input: [UInt8]) -> [String: String] {
        let run = try? JSONDecoder().decode(TenantRun.self, from: Data(input))
        return run.map { ["tenant": $0.tenantID] } ?? [:]
    }

    func commandLine(for command: SupportCommand) -> String? {
        // A step about a task may suggest a run-wide action (resume the run): name the task only when the action takes one.
        let task = command.verb.actsOnATask ? command.task.map { " \($0)" } : nil
        return "mytool \(command.verb.rawValue) \(command.run)" + (task ?? "")
    }

    func graph(for run: RunRecord) async throws -> TaskGraph { try await registry.graph(for: run) }
}

func consoleApplication(engine: Engine, usersFile: String, logger: Logger) throws -> some ApplicationProtocol {
    let router = Router()
    router.add(middleware: SecurityHeadersMiddleware())  // on every answer, the host's own routes too
    let users = try UserDirectory.load(path: usersFile)
    SupportConsole(engine: engine, host: MyConsoleHost(registry: makeRegistry()), users: users, logger: logger)
        .addRoutes(to: router)
    return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 8080)), logger: logger)
}

@Suite("Docs/SupportConsole.md's samples")
struct ConsoleSampleTests {
    @Test func theConsoleMountsOnAJournalWithAUsersFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("console-sample-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let usersFile = folder.appendingPathComponent("users").path
        let hash = try PasswordHash(hashing: "a long password", rounds: PasswordHash.minimumRounds)
        try UserDirectory(entries: [.init(user: ConsoleUser(name: "ops", role: .operator), hash: hash)]).write(to: usersFile)
        let logger = Logger(label: "sample", factory: { _ in SwiftLogNoOpLogHandler() })
        let engine = Engine(journal: try Journal(path: folder.appendingPathComponent("j.sqlite").path), logger: logger)
        _ = try consoleApplication(engine: engine, usersFile: usersFile, logger: logger)
        #expect(MyConsoleHost(registry: makeRegistry()).labels(workflow: "w", input: Array(#"{"tenantID":"contoso"}"#.utf8)) == ["tenant": "contoso"])
    }
}
