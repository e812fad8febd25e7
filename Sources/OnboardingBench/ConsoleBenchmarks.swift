import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import OnboardingConsole
import OnboardingEngine
import OnboardingEngineTesting

/// The support console at fleet scale: `runs` runs in one journal (a tenth failed, a fifth waiting for
/// a person, the rest succeeded), the console served by Hummingbird on 127.0.0.1, and a real HTTP
/// client asking for the run list page and `GET /api/runs?state=failed` over loopback. Returns the
/// median milliseconds of each (and of a few other reads, for the record).
enum ConsoleBenchmarks {
    /// Labels from `tenant` and `org`, as a host's would be.
    struct Host: ConsoleHost {
        let graph: TaskGraph
        var searchFields: [String] { ["tenant", "org"] }
        func labels(workflow: String, input: [UInt8]) -> [String: String] {
            let fields = (try? JSONDecoder().decode([String: String].self, from: Data(input))) ?? [:]
            return fields.filter { $0.key == "tenant" || $0.key == "org" }
        }
        func commandLine(for command: SupportCommand) -> String? { "onboard \(command.verb.rawValue) \(command.run)" }
        func graph(for run: RunRecord) async throws -> TaskGraph { graph }
    }

    static func console(runs: Int, journal: Journal, samples: Int = 31) async throws -> [(String, Double)] {
        let engine = Engine(journal: journal, logger: WorkflowBenchmarks.quiet)
        @Sendable func mode(_ context: TaskContext) throws -> String {
            let input: [String: String] = try context.input()
            return input["mode"] ?? ""
        }
        let graph = try TaskGraph(
            workflow: "console-bench",
            tasks: [
                ClosureTask(id: "import-domains") { context in
                    if try mode(context) == "fail" {
                        throw TaskInterruption.permanent(
                            "Graph refused the domain list.",
                            code: "E\((Int(context.runID.rawValue.suffix(2)) ?? 0) % 3)")
                    }
                    return NoOutput()
                },
                ClosureTask(id: "enable-relay", dependencies: ["import-domains"]) { context in
                    if try mode(context) == "wait", context.confirmation == nil {
                        throw TaskInterruption.waitingForPerson(action: "Enable relay in Essentials.")
                    }
                    return NoOutput()
                },
                ClosureTask(id: "spf-check", dependencies: ["enable-relay"]) { _ in NoOutput() },
            ])
        let setupStart = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Eight runs at a time: each starter takes every eighth run.
            for starter in 0..<8 {
                group.addTask {
                    for index in stride(from: starter, to: runs, by: 8) {
                        let mode = index % 10 == 0 ? "fail" : index % 5 == 1 ? "wait" : "ok"
                        let tenant = "tenant\(index)"
                        _ = try await engine.start(
                            graph, id: RunID(String(format: "run-%05d", index)),
                            input: ["mode": mode, "tenant": tenant, "org": "\(tenant).example"])
                    }
                }
            }
            try await group.waitForAll()
        }
        let setup = ContinuousClock.now - setupStart

        let hash = try PasswordHash(hashing: "bench-password-1", rounds: PasswordHash.minimumRounds)
        let users = UserDirectory(entries: [.init(user: ConsoleUser(name: "bench", role: .readOnly), hash: hash)])
        let router = Router(context: ConsoleRequestContext.self)
        router.add(middleware: SecurityHeadersMiddleware())
        SupportConsole(engine: engine, host: Host(graph: graph), users: users, logger: WorkflowBenchmarks.quiet)
            .addRoutes(to: router)
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in portSink.yield(channel.localAddress?.port ?? 0) },
            logger: WorkflowBenchmarks.quiet)
        return try await withThrowingTaskGroup(of: [(String, Double)]?.self) { group in
            group.addTask {
                try await app.runService()
                return nil
            }
            group.addTask {
                var iterator = ports.makeAsyncIterator()
                guard let port = await iterator.next() else { return [] }
                let base = "http://127.0.0.1:\(port)"
                let basic = "Basic " + Data("bench:bench-password-1".utf8).base64EncodedString()
                // A session for the page (the pages take the cookie; the API, Basic).
                var signIn = HTTPClientRequest(url: base + "/api/session")
                signIn.method = .POST
                signIn.headers.add(name: "Authorization", value: basic)
                let session = try await HTTPClient.shared.execute(signIn, timeout: .seconds(30))
                guard session.status == .ok,
                    let cookie = session.headers.first(name: "set-cookie")?.split(separator: ";").first
                else { throw BenchFailure("the console refused the bench's sign-in: \(session.status)") }

                func median(_ path: String, header: (String, String), expect: String) async throws -> Double {
                    var times: [Double] = []
                    for round in 0..<(samples + 3) {
                        var request = HTTPClientRequest(url: base + path)
                        request.headers.add(name: header.0, value: header.1)
                        let start = ContinuousClock.now
                        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                        let body = try await response.body.collect(upTo: 16 << 20)
                        let elapsed = ContinuousClock.now - start
                        guard response.status == .ok, String(buffer: body).contains(expect) else {
                            throw BenchFailure("\(path) answered \(response.status) without '\(expect)'")
                        }
                        if round >= 3 {
                            times.append(
                                Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds)
                                    * 1000)
                        }
                    }
                    return times.sorted()[times.count / 2]
                }
                let failed = (runs + 9) / 10
                let searched = runs / 2 + 1
                return [
                    ("console_runs", Double(runs)),
                    ("console_setup_s", Double(setup.components.seconds) + Double(setup.components.attoseconds) / 1e18),
                    (
                        "list_page_ms",
                        try await median("/runs", header: ("Cookie", String(cookie)), expect: "\(runs) runs match")
                    ),
                    (
                        "list_page_failed_ms",
                        try await median(
                            "/runs?state=failed", header: ("Cookie", String(cookie)), expect: "\(failed) runs match")
                    ),
                    (
                        "api_runs_failed_ms",
                        try await median(
                            "/api/runs?state=failed", header: ("Authorization", basic), expect: "\"total\":\(failed)")
                    ),
                    (
                        "api_runs_search_ms",
                        try await median(
                            "/api/runs?search=tenant\(searched)", header: ("Authorization", basic),
                            expect: String(format: "run-%05d", searched))
                    ),
                    (
                        "api_runs_code_ms",
                        try await median(
                            "/api/runs?code=E1&task=import-domains", header: ("Authorization", basic),
                            expect: "\"total\"")
                    ),
                    (
                        "run_page_ms",
                        try await median("/runs/run-00010", header: ("Cookie", String(cookie)), expect: "<svg")
                    ),
                ]
            }
            var figures: [(String, Double)] = []
            for try await result in group {
                if let result {
                    figures = result
                    group.cancelAll()
                }
            }
            return figures
        }
    }

    struct BenchFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
