// onboarding-bench: the engine's costs measured against raw SQLite in one run, on one file system.
//
//   swift run -c release onboarding-bench [--json] [--tasks N] [--dir PATH]
//   swift run -c release onboarding-bench --journal postgres://user@host:port/db [--json] [--tasks N] [--runs N]
//   swift run -c release onboarding-bench --journal postgres://… --only fleet [--runs 10000] [--workers 3]
//   swift run -c release onboarding-bench --only console [--runs 10000]
//
// Figures are ratios within one run (machines are shared and noisy); see Docs/Performance.md.
import CSQLite
import Foundation
import Logging
import OnboardingEngine
import OnboardingEngineTesting

let arguments = CommandLine.arguments
let json = arguments.contains("--json")
func value(_ name: String) -> String? {
    arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
}
if let location = value("--pg-worker") { try await PostgresBenchmarks.serveAsWorker(location) }
let taskCount = value("--tasks").flatMap(Int.init) ?? 2_000
if let location = value("--journal"), location.hasPrefix("postgres://"), value("--only") == "fleet" {
    // The worker issue's fleet on PostgreSQL: `--workers N` engines (3 unless given), one database.
    let runs = value("--runs").flatMap(Int.init) ?? 10_000
    let workers = value("--workers").flatMap(Int.init) ?? 3
    let figures = try await PostgresBenchmarks.withScratchDatabase(location) { database in
        try await WorkerBenchmarks.fleet(runs, latency: .milliseconds(50), journal: .postgres(database, workers: workers))
    }
    print("fleet_runs", runs, "workers", workers, figures.map { "\($0.0) \((($0.1 * 10).rounded() / 10))" }.joined(separator: " "))
    exit(0)
}
if let location = value("--journal"), location.hasPrefix("postgres://") {
    let rounds = value("--rounds").flatMap(Int.init) ?? 3
    let runs = value("--runs").flatMap(Int.init) ?? 2_000
    let figures = try await PostgresBenchmarks.run(url: location, tasks: taskCount, rounds: rounds, scalingRuns: runs)
    if json {
        let body = figures.map { "\"\($0.0)\": \((($0.1 * 1000).rounded() / 1000))" }.joined(separator: ", ")
        print("{\"tasks\": \(taskCount), \"rounds\": \(rounds), \"runs\": \(runs), \(body)}")
    } else {
        print("onboarding-bench on PostgreSQL (\(taskCount) tasks, median of \(rounds) rounds; \(runs) short runs per scaling figure)")
        for (name, figure) in figures { print(name.padding(toLength: 28, withPad: " ", startingAt: 0), String(format: "%10.3f", figure)) }
        print("targets: pg_chain_vs_raw_commit <= 1.5, pg_fanout_vs_raw_commit <= 0.5")
    }
    exit(0)
}
let root = URL(fileURLWithPath: value("--dir") ?? FileManager.default.temporaryDirectory.path)
    .appendingPathComponent("onboarding-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: root) }

let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
let clock = ContinuousClock()

func microseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12
}

let durability: JournalOptions.Durability = value("--durability") == "normal" ? .normal : .full

func freshJournal(_ name: String, durability: JournalOptions.Durability = durability) throws -> Journal {
    try Journal(path: root.appendingPathComponent("\(name).sqlite").path, options: JournalOptions(durability: durability))
}

/// One-row insert per transaction, WAL, synchronous=FULL (or `durability`): the cost of one durable commit.
func rawCommit(count: Int, durability: JournalOptions.Durability = durability) throws -> Double {
    let path = root.appendingPathComponent("raw-\(UUID().uuidString).sqlite").path
    var db: OpaquePointer?
    guard sqlite3_open(path, &db) == SQLITE_OK else { fatalError("cannot open \(path)") }
    defer { sqlite3_close(db) }
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=\(durability.rawValue); CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", nil, nil, nil)
    var insert: OpaquePointer?
    sqlite3_prepare_v2(db, "INSERT INTO t (v) VALUES ('task-finished')", -1, &insert, nil)
    defer { sqlite3_finalize(insert) }
    let elapsed = clock.measure {
        for _ in 0..<count {
            sqlite3_exec(db, "BEGIN IMMEDIATE", nil, nil, nil)
            sqlite3_step(insert)
            sqlite3_reset(insert)
            sqlite3_exec(db, "COMMIT", nil, nil, nil)
        }
    }
    return microseconds(elapsed) / Double(count)
}

func noop(_ id: String, _ dependencies: [TaskID] = []) -> ClosureTask<NoOutput> {
    ClosureTask(id: TaskID(id), dependencies: dependencies) { _ in NoOutput() }
}

func chain(count: Int, durability: JournalOptions.Durability = durability) async throws -> Double {
    let engine = Engine(journal: try freshJournal("chain-\(UUID().uuidString)", durability: durability), logger: logger)
    let graph = try TaskGraph(
        workflow: "chain", tasks: (0..<count).map { noop("t\($0)", $0 == 0 ? [] : [TaskID("t\($0 - 1)")]) })
    let start = clock.now
    let result = try await engine.start(graph, input: NoOutput())
    precondition(result.state == .succeeded)
    return microseconds(clock.now - start) / Double(count)
}

func fanOut(count: Int, concurrency: Int) async throws -> Double {
    let engine = Engine(
        journal: try freshJournal("fanout-\(UUID().uuidString)"), configuration: EngineConfiguration(maxConcurrentTasks: concurrency),
        logger: logger)
    let graph = try TaskGraph(workflow: "fanout", tasks: (0..<count).map { noop("t\($0)") })
    let start = clock.now
    let result = try await engine.start(graph, input: NoOutput(), options: RunOptions(maxConcurrentTasks: concurrency))
    precondition(result.state == .succeeded)
    return microseconds(clock.now - start) / Double(count)
}

/// A run whose `finished` tasks succeeded and whose last task waits for a person; returns the
/// time `resume` takes to load it, find nothing runnable, and park it again.
func resume(finished: Int) async throws -> Double {
    let journal = try freshJournal("resume-\(finished)")
    let engine = Engine(journal: journal, configuration: EngineConfiguration(maxConcurrentTasks: 64), logger: logger)
    let gate = ClosureTask(id: "approval", dependencies: []) { _ -> NoOutput in
        throw TaskInterruption.waitingForPerson(action: "approve")
    }
    let graph = try TaskGraph(workflow: "resume", tasks: (0..<finished).map { noop("t\($0)") } + [gate])
    let first = try await engine.start(graph, id: "r", input: NoOutput(), options: RunOptions(maxConcurrentTasks: 64))
    precondition(first.state == .waiting)
    // A fresh engine and connection, as a new process would have.
    let fresh = Engine(journal: try freshJournal("resume-\(finished)"), logger: logger)
    var best = Double.infinity
    for _ in 0..<3 {
        let start = clock.now
        let again = try await fresh.resume("r", graph: graph)
        best = min(best, microseconds(clock.now - start) / 1000)
        precondition(again.state == .waiting)
    }
    return best
}

if value("--only") == "floor" {
    // A chain task's commit as SQL alone, against one raw commit and the engine's chain, at `normal`.
    print(
        "raw_commit_us_normal", try rawCommit(count: taskCount, durability: .normal),
        "task_commit_sql_us_normal", try await CommitFloorBenchmark.microsecondsPerTask(count: taskCount, directory: root, durability: .normal),
        "chain_task_us_normal", try await chain(count: taskCount, durability: .normal))
    exit(0)
}
if value("--only") == "chain" {
    print("chain_task_us", try await chain(count: taskCount))
    exit(0)
}
let syncUsers = value("--users").flatMap(Int.init) ?? 100_000
let syncGroups = value("--groups").flatMap(Int.init) ?? 5_000
let tenantCount = value("--tenants").flatMap(Int.init) ?? 1_000
if value("--only") == "sync" {
    let (seconds, rate) = try await WorkflowBenchmarks.directorySync(users: syncUsers, groups: syncGroups, journalDirectory: root)
    print("sync_seconds", seconds, "sync_users_per_s", rate)
    exit(0)
}
if value("--only") == "tenants" {
    let seconds = try await WorkflowBenchmarks.manyTenants(tenantCount, latency: .milliseconds(50), journalDirectory: root)
    print("tenants_wall_s", seconds, "peak_rss_mib", WorkflowBenchmarks.peakResidentMiB())
    exit(0)
}

if value("--only") == "fleet" {
    let runs = value("--runs").flatMap(Int.init) ?? 10_000
    let figures = try await WorkerBenchmarks.fleet(runs, latency: .milliseconds(50), journalDirectory: root)
    print("fleet_runs", runs, figures.map { "\($0.0) \((($0.1 * 10).rounded() / 10))" }.joined(separator: " "))
    exit(0)
}
if value("--only") == "console" {
    // The support console: its list page and GET /api/runs?state=failed over loopback, 10,000 runs.
    let runs = value("--runs").flatMap(Int.init) ?? 10_000
    let figures = try await ConsoleBenchmarks.console(runs: runs, journal: try freshJournal("console", durability: .normal))
    print(figures.map { "\($0.0) \((($0.1 * 10).rounded() / 10))" }.joined(separator: " "))
    print("targets: list_page_ms < 100, api_runs_failed_ms < 100")
    exit(0)
}
if value("--only") == "parked" {
    let runs = value("--runs").flatMap(Int.init) ?? 10_000
    let (before, parked) = try await WorkerBenchmarks.parkedMemory(runs, journal: try freshJournal("parked"))
    print("parked_runs", runs, "rss_before_mib", before, "rss_parked_mib", parked)
    exit(0)
}
if value("--only") == "wake" {
    print("wake_latency_ms", try await WorkerBenchmarks.wakeLatency(runs: 50, journal: try freshJournal("wake")))
    exit(0)
}

// Raw commits, chain and fan-out alternate over several rounds and each ratio is taken within a
// round, so a burst of load on a shared machine skews one round, not the comparison.
let rounds = value("--rounds").flatMap(Int.init) ?? 3
var samples: [(raw: Double, chain: Double, fanout: Double, rawNormal: Double, chainNormal: Double, floorNormal: Double)] = []
for _ in 0..<rounds {
    samples.append(
        (
            try rawCommit(count: taskCount), try await chain(count: taskCount), try await fanOut(count: taskCount, concurrency: 16),
            // synchronous=NORMAL: no fsync per commit, so the engine's own CPU per task shows.
            try rawCommit(count: taskCount, durability: .normal), try await chain(count: taskCount, durability: .normal),
            // The same commits' SQL alone, from C: what SQLite costs per task before the engine's own work.
            try await CommitFloorBenchmark.microsecondsPerTask(count: taskCount, directory: root, durability: .normal)
        ))
}
func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
let raw = median(samples.map(\.raw))
let chainCost = median(samples.map(\.chain))
let fanoutCost = median(samples.map(\.fanout))
let chainRatio = median(samples.map { $0.chain / $0.raw })
let fanoutRatio = median(samples.map { $0.fanout / $0.raw })
let rawNormal = median(samples.map(\.rawNormal))
let chainNormal = median(samples.map(\.chainNormal))
let floorNormal = median(samples.map(\.floorNormal))
let resume2500 = try await resume(finished: 2_500)
let resume5000 = try await resume(finished: 5_000)
let resume10k = try await resume(finished: 10_000)
let wakeLatency = try await WorkerBenchmarks.wakeLatency(runs: 50, journal: try freshJournal("wake"))
let messageLatency = try await WorkerBenchmarks.messageLatency(
    runs: 15, journalPath: root.appendingPathComponent("message.sqlite").path)

let figures: [(String, Double)] = [
    ("raw_commit_us", raw),
    ("chain_task_us", chainCost),
    ("fanout_task_us", fanoutCost),
    ("chain_vs_raw_commit", chainRatio),
    ("fanout_vs_raw_commit", fanoutRatio),
    ("raw_commit_us_normal", rawNormal),
    ("chain_task_us_normal", chainNormal),
    ("engine_task_us_normal", chainNormal - rawNormal),
    ("task_commit_sql_us_normal", floorNormal),
    ("engine_over_sql_us_normal", chainNormal - floorNormal),
    ("resume_2500_ms", resume2500),
    ("resume_5k_ms", resume5000),
    ("resume_10k_ms", resume10k),
    ("resume_10k_vs_5k", resume10k / resume5000),
    ("wake_latency_ms", wakeLatency),
    ("message_latency_ms", messageLatency),
]

if json {
    let body = figures.map { "\"\($0.0)\": \((($0.1 * 1000).rounded() / 1000))" }.joined(separator: ", ")
    print("{\"tasks\": \(taskCount), \"rounds\": \(rounds), \(body)}")
} else {
    print("onboarding-bench (\(taskCount) tasks, median of \(rounds) rounds, journal in \(root.deletingLastPathComponent().path))")
    for (name, figure) in figures {
        print(name.padding(toLength: 24, withPad: " ", startingAt: 0), String(format: "%10.3f", figure))
    }
    print("targets: chain_vs_raw_commit <= 1.25, fanout_vs_raw_commit <= 0.35, chain_task_us_normal <= 20, resume_10k_ms < 50, resume_10k_vs_5k ~ 2, wake_latency_ms < 50, message_latency_ms < 2000")
}
