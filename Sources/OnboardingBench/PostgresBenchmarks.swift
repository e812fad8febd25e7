import Foundation
import Logging
import NIOSSL
import OnboardingEngine
import OnboardingEngineTesting
import OnboardingEnginePostgres
import PostgresNIO

#if canImport(Glibc)
import Glibc
#endif

/// `onboarding-bench --journal postgres://user@host:port/db`: the engine on PostgreSQL against one
/// raw durable commit on the same server, and runs per second with 1, 2 and 3 worker processes.
///
/// Everything happens in a scratch database created on that server (the user needs CREATEDB) and
/// dropped at the end.
enum PostgresBenchmarks {
    static let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })

    /// The figures, in the bench's order.
    static func run(url: String, tasks: Int, rounds: Int, scalingRuns: Int) async throws -> [(String, Double)] {
        try await withScratchDatabase(url) { scratch in
            try await measure(scratch, tasks: tasks, rounds: rounds, scalingRuns: scalingRuns)
        }
    }

    /// Runs `body` with a new database on the server at `url`, dropped afterwards (also when
    /// `body` throws).
    static func withScratchDatabase<T>(_ url: String, _ body: (PostgresJournalConfiguration) async throws -> T) async throws -> T {
        let server = try PostgresJournalConfiguration(url: url)
        let name = "onboarding_bench_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12))"
        try await administer(server) { try await $0.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: quiet) }
        var scratch = server
        scratch.database = name
        scratch.createIfMissing = true
        let result: T
        do {
            result = try await body(scratch)
        } catch {
            try? await drop(name, on: server)
            throw error
        }
        try await drop(name, on: server)
        return result
    }

    private static func drop(_ name: String, on server: PostgresJournalConfiguration) async throws {
        try await administer(server) {
            try await $0.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: quiet)
        }
    }

    private static func measure(
        _ scratch: PostgresJournalConfiguration, tasks: Int, rounds: Int, scalingRuns: Int
    ) async throws -> [(String, Double)] {
        let journal = try await PostgresJournal.open(scratch, logger: quiet)
        var samples: [(raw: Double, chain: Double, fanout: Double)] = []
        for round in 0..<rounds {
            samples.append(
                (
                    try await rawCommit(scratch, count: tasks), try await chain(journal, count: tasks, round: round),
                    try await fanOut(journal, count: tasks, concurrency: 16, round: round)
                ))
        }
        var figures: [(String, Double)] = [
            ("pg_raw_commit_us", median(samples.map(\.raw))),
            ("pg_chain_task_us", median(samples.map(\.chain))),
            ("pg_fanout_task_us", median(samples.map(\.fanout))),
            ("pg_chain_vs_raw_commit", median(samples.map { $0.chain / $0.raw })),
            ("pg_fanout_vs_raw_commit", median(samples.map { $0.fanout / $0.raw })),
        ]
        for workers in 1...3 {
            figures.append(("pg_runs_per_s_\(workers)_workers", try await scaling(journal, scratch, runs: scalingRuns, workers: workers)))
        }
        await journal.close()
        return figures
    }

    /// `BEGIN; INSERT one row; COMMIT` per transaction on one connection, `synchronous_commit=on`:
    /// the cost of one durable commit on this server, round trips included.
    static func rawCommit(_ database: PostgresJournalConfiguration, count: Int) async throws -> Double {
        let connection = try await connect(database)
        defer { Task { try? await connection.close() } }
        _ = try await connection.query("SET synchronous_commit = on", logger: quiet)
        _ = try await connection.query(
            "CREATE TABLE IF NOT EXISTS bench_raw (id bigserial PRIMARY KEY, v text NOT NULL)", logger: quiet)
        let start = ContinuousClock.now
        for _ in 0..<count {
            _ = try await connection.query("BEGIN", logger: quiet)
            _ = try await connection.query("INSERT INTO bench_raw (v) VALUES ('task-finished')", logger: quiet)
            _ = try await connection.query("COMMIT", logger: quiet)
        }
        return microseconds(ContinuousClock.now - start) / Double(count)
    }

    static func chain(_ journal: PostgresJournal, count: Int, round: Int) async throws -> Double {
        let engine = Engine(journal: journal, logger: quiet)
        let graph = try TaskGraph(
            workflow: "chain", tasks: (0..<count).map { noop("t\($0)", $0 == 0 ? [] : [TaskID("t\($0 - 1)")]) })
        let start = ContinuousClock.now
        let result = try await engine.start(graph, id: RunID("chain-\(round)"), input: NoOutput())
        precondition(result.state == .succeeded)
        return microseconds(ContinuousClock.now - start) / Double(count)
    }

    static func fanOut(_ journal: PostgresJournal, count: Int, concurrency: Int, round: Int) async throws -> Double {
        let engine = Engine(journal: journal, configuration: EngineConfiguration(maxConcurrentTasks: concurrency), logger: quiet)
        let graph = try TaskGraph(workflow: "fanout", tasks: (0..<count).map { noop("t\($0)") })
        let start = ContinuousClock.now
        let result = try await engine.start(
            graph, id: RunID("fanout-\(round)"), input: NoOutput(), options: RunOptions(maxConcurrentTasks: concurrency))
        precondition(result.state == .succeeded)
        return microseconds(ContinuousClock.now - start) / Double(count)
    }

    /// The short workflow the scaling figure's runs follow: three no-op tasks in a row.
    static let shortGraph: TaskGraph = try! TaskGraph(
        workflow: "short", tasks: [noop("a"), noop("b", ["a"]), noop("c", ["b"])])

    /// `runs` short runs submitted, then `workers` worker processes (this executable with
    /// `--pg-worker`) started on the journal: runs finished per second, from the workers' start
    /// to the last run's success.
    static func scaling(
        _ journal: PostgresJournal, _ database: PostgresJournalConfiguration, runs: Int, workers: Int
    ) async throws -> Double {
        let engine = Engine(journal: journal, configuration: EngineConfiguration(ownerID: "bench-submitter:1:x"), logger: quiet)
        let prefix = "s\(workers)-"
        for index in 0..<runs {
            try await engine.submit(shortGraph, id: RunID("\(prefix)\(index)"), input: NoOutput())
        }
        let start = ContinuousClock.now
        let children = try (0..<workers).map { _ in try launchWorker(database.location) }
        defer {
            for child in children {
                kill(child.processIdentifier, SIGKILL)
                child.waitUntilExit()
            }
        }
        while true {
            let left = try await engine.runs().filter { $0.id.rawValue.hasPrefix(prefix) && $0.state != .succeeded }.count
            if left == 0 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let seconds = microseconds(ContinuousClock.now - start) / 1e6
        return Double(runs) / seconds
    }

    /// This executable as a worker process on `location` (``serveAsWorker(_:)``).
    static func launchWorker(_ location: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        process.arguments = ["--pg-worker", location]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// `--pg-worker URL`: an `OnboardingWorker` for the short workflow on the journal at `URL`,
    /// until killed.
    static func serveAsWorker(_ location: String) async throws -> Never {
        let journal = try await PostgresJournal.open(try PostgresJournalConfiguration(url: location), logger: quiet)
        let engine = Engine(journal: journal, configuration: EngineConfiguration(maxConcurrentTasks: 256), logger: quiet)
        var registry = WorkflowRegistry()
        registry.register("short") { _ in shortGraph }
        let worker = OnboardingWorker(
            engine: engine, registry: registry,
            configuration: .init(maxConcurrentRuns: 64, pollInterval: .milliseconds(100), maxIdleWait: .zero), logger: quiet)
        try await worker.run()
        exit(0)
    }

    static func connect(_ database: PostgresJournalConfiguration) async throws -> PostgresConnection {
        let tls: PostgresConnection.Configuration.TLS =
            database.requireTLS ? .require(try NIOSSLContext(configuration: .makeClientConfiguration())) : .disable
        let configuration = PostgresConnection.Configuration(
            host: database.host, port: database.port, username: database.username, password: database.password,
            database: database.database, tls: tls)
        return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: quiet)
    }

    static func administer(
        _ server: PostgresJournalConfiguration, _ body: (PostgresConnection) async throws -> Void
    ) async throws {
        var maintenance = server
        maintenance.database = "postgres"
        let connection = try await connect(maintenance)
        do {
            try await body(connection)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    static func noop(_ id: String, _ dependencies: [TaskID] = []) -> ClosureTask<NoOutput> {
        ClosureTask(id: TaskID(id), dependencies: dependencies) { _ in NoOutput() }
    }

    static func microseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12
    }

    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
}
