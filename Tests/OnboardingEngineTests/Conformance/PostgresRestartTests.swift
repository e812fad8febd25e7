import Foundation
import Logging
import OnboardingEngine
import OnboardingEnginePostgres
import OnboardingEngineTesting
import Synchronization
import Testing

/// A PostgreSQL cluster of the test's own (the shared test server must not restart under the
/// other suites), made and driven with `.ci/postgres.sh`.
///
/// Commands run through `bash` with standard input and output on files, and every other
/// descriptor closed before `pg_ctl` starts: a server started by a child must not hold a pipe
/// of this process open (the test runner waits for its pipes to close).
struct PrivateCluster {
    let folder: String
    let port: Int
    var url: String { "postgres://onboarding@127.0.0.1:\(port)/postgres" }

    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".ci/postgres.sh").path

    /// A new cluster on a random port (another one, up to three times, if that port is taken).
    static func start() async throws -> PrivateCluster {
        var attempt = 0
        while true {
            let cluster = PrivateCluster(
                folder: "/tmp/onboarding-pg-restart.\(UUID().uuidString.prefix(8))", port: Int.random(in: 40_000..<50_000))
            do {
                try await cluster.shell("start_cluster '\(cluster.folder)' \(cluster.port)")
                return cluster
            } catch where attempt < 2 {
                await cluster.stop()
                attempt += 1
            }
        }
    }

    /// `pg_ctl restart -m fast`: every connection is cut, the server is back once it answers.
    func restart() async throws {
        try await shell(
            "pg_as_owner \"'$(pg_bindir)/pg_ctl' -D '\(folder)/data' -l '\(folder)/server.log' -m fast -w -t 60 restart\"")
    }

    func stop() async {
        try? await shell("stop_cluster '\(folder)'")
    }

    private func shell(_ command: String) async throws {
        let log = "/tmp/onboarding-pg-restart-\(port).log"
        let process = try await ChildProcess.start(
            "/bin/bash",
            arguments: [
                "-c",
            """
            exec </dev/null >>'\(log)' 2>&1
            for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] 2>/dev/null && eval "exec $n>&-"; done
            source '\(Self.script)' && ONBOARDING_PG_USER=onboarding-ci && \(command)
            """,
            ])
        let status = try await process.exitStatus()
        guard status == 0 else {
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw JournalError(.cannotOpen, "`\(command)` exited \(status): \(output.suffix(2_000))")
        }
    }
}

@Suite("PostgreSQL restarted under two workers", .serialized, .timeLimit(.minutes(3)))
struct PostgresRestartTests {
    private static let quiet = Logger(label: "restart-test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test(.enabled(if: BackendKind.available.contains(.postgres)))
    func workersReconnectAfterPgCtlRestartAndEveryRunCompletesWithNoOverlappingAttempts() async throws {
        let cluster = try await PrivateCluster.start()
        do {
            try await Self.restartMidRun(cluster)
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    private static func restartMidRun(_ cluster: PrivateCluster) async throws {
        var configuration = try PostgresJournalConfiguration(url: cluster.url)
        configuration.createIfMissing = true
        // Each attempt's interval, by run and task: two attempts of one task must never overlap.
        let attempts = Mutex<[String: [(start: Date, end: Date)]]>([:])
        let tasksSucceeded = Counter()
        func slow(_ id: TaskID, _ dependencies: [TaskID] = []) -> ClosureTask<NoOutput> {
            ClosureTask(id: id, dependencies: dependencies) { context in
                let start = Date()
                try await Task.sleep(for: .milliseconds(Int.random(in: 40...120)))
                attempts.withLock { $0["\(context.runID)/\(id)", default: []].append((start, Date())) }
                tasksSucceeded.increment()
                return NoOutput()
            }
        }
        let graph = try TaskGraph(workflow: "w", tasks: [slow("a"), slow("b", ["a"]), slow("c", ["b"]), slow("d", ["c"])])
        var registry = WorkflowRegistry()
        registry.register(graph.workflow) { _ in graph }

        var journals: [PostgresJournal] = []
        var workers: [Task<Void, any Error>] = []
        for host in ["host-a:1:a", "host-b:2:b"] {
            let journal = try await PostgresJournal.open(configuration, logger: quiet)
            journals.append(journal)
            let engine = Engine(
                journal: journal, configuration: EngineConfiguration(leaseDuration: .seconds(3), ownerID: host), logger: quiet)
            let worker = OnboardingWorker(
                engine: engine, registry: registry, configuration: .init(pollInterval: .milliseconds(100)), logger: quiet)
            workers.append(Task { try await worker.run() })
        }
        let reader = Engine(
            journal: journals[0], configuration: EngineConfiguration(ownerID: "host-r:3:r"), logger: quiet)
        let runs = 24
        for index in 0..<runs { _ = try await reader.submit(graph, id: RunID("r\(index)"), input: Empty()) }

        // Restart while tasks run.
        while tasksSucceeded.value < 20 { try await Task.sleep(for: .milliseconds(20)) }
        try await cluster.restart()

        let deadline = Date().addingTimeInterval(120)
        var states: [RunState] = []
        while Date() < deadline {
            if let summaries = try? await reader.runs() {
                states = summaries.map(\.state)
                if states.count == runs && states.allSatisfy({ $0 == .succeeded }) { break }
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        for worker in workers { worker.cancel() }
        for worker in workers { _ = try? await worker.value }
        #expect(states.count == runs && states.allSatisfy { $0 == .succeeded }, "\(states)")
        let overlapping = attempts.withLock { attempts in
            attempts.filter { _, intervals in
                let sorted = intervals.sorted { $0.start < $1.start }
                return zip(sorted, sorted.dropFirst()).contains { $1.start < $0.end }
            }.keys.sorted()
        }
        #expect(overlapping.isEmpty, "attempts of one task overlapped: \(overlapping)")
        for journal in journals { await journal.close() }
    }
}
