import CSQLite
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import OnboardingConsole
import OnboardingEngine
import OnboardingEngineTesting
import Synchronization
import Testing

/// A journal with a small workflow whose runs fail, wait or pass as their input says, an engine on
/// it, and the console on a router, for the route tests.
///
/// The workflow `console-test`: `import` → `relay` → `spf`. Input `mode`:
/// - `fail`: `import` fails for good (code `E1`) on its first attempt in the run, then succeeds;
/// - `wait`: `relay` waits for a person until confirmed;
/// - `condition`: `spf` waits for a condition (re-checked hourly);
/// - anything else: every task succeeds.
final class ConsoleFixture: Sendable {
    static let workflow = "console-test"
    static let quiet = Logger(label: "console-test", factory: { _ in SwiftLogNoOpLogHandler() })
    /// `alice` (operator) and `bob` (read-only), hashed once per test process.
    static let users: UserDirectory = {
        let alice = try! PasswordHash(hashing: "alice-password-1", rounds: PasswordHash.minimumRounds)
        let bob = try! PasswordHash(hashing: "bob-password-22", rounds: PasswordHash.minimumRounds)
        return UserDirectory(entries: [
            .init(user: ConsoleUser(name: "alice", role: .operator), hash: alice),
            .init(user: ConsoleUser(name: "bob", role: .readOnly), hash: bob),
        ])
    }()

    let temporary: TemporaryJournal
    let engine: Engine
    let graph: TaskGraph
    /// Runs whose `import` already failed once.
    final class FailedOnce: Sendable {
        let runs = Mutex<Set<String>>([])
    }

    init() throws {
        temporary = try TemporaryJournal()
        engine = Engine(journal: temporary.journal, logger: Self.quiet)
        let failedOnce = FailedOnce()
        @Sendable func mode(_ context: TaskContext) throws -> String {
            let input: [String: String] = try context.input()
            return input["mode"] ?? ""
        }
        graph = try TaskGraph(
            workflow: Self.workflow,
            tasks: [
                ClosureTask(id: "import") { context in
                    if try mode(context) == "fail",
                        failedOnce.runs.withLock({ $0.insert(context.runID.rawValue).inserted })
                    {
                        throw TaskInterruption.permanent("Graph refused the domain list.", code: "E1")
                    }
                    return NoOutput()
                },
                ClosureTask(id: "relay", dependencies: ["import"]) { context in
                    if try mode(context) == "wait", context.confirmation == nil {
                        throw TaskInterruption.waitingForPerson(action: "Enable relay in Essentials.")
                    }
                    return NoOutput()
                },
                ClosureTask(id: "spf", dependencies: ["relay"]) { context in
                    if try mode(context) == "condition" {
                        throw TaskInterruption.waitingForCondition("SPF does not include Essentials yet.", recheckAfter: .seconds(3600))
                    }
                    return NoOutput()
                },
            ])
    }

    deinit { temporary.remove() }

    /// Starts run `id` and lets it go as far as it goes.
    @discardableResult
    func start(_ id: String, mode: String, tenant: String, org: String? = nil) async throws -> RunResult {
        try await engine.start(
            graph, id: RunID(id),
            input: ["mode": mode, "tenant": tenant, "org": org ?? "\(tenant).example", "nonce": "n0nce-\(id)"])
    }

    /// The console's host: labels and search from `tenant`/`org`, commands of a made-up tool.
    struct Host: ConsoleHost {
        let graph: TaskGraph
        var searchFields: [String] { ["tenant", "org"] }
        func labels(workflow: String, input: [UInt8]) -> [String: String] {
            let fields = (try? JSONDecoder().decode([String: String].self, from: Data(input))) ?? [:]
            return fields.filter { $0.key == "tenant" || $0.key == "org" }
        }
        func commandLine(for command: SupportCommand) -> String? {
            (["support", command.verb.rawValue, command.run.rawValue] + (command.task.map { [$0.rawValue] } ?? []))
                .joined(separator: " ") + " --journal /j"
        }
        func graph(for run: RunRecord) async throws -> TaskGraph { graph }
        /// A made-up consent link while `relay` waits for a person.
        func consentLink(for run: RunDetail) -> String? {
            run.tasks.contains { $0.id == "relay" && $0.state == "waiting" }
                ? "https://login.example/common/adminconsent?client_id=c&state=s-\(run.id)" : nil
        }
    }

    /// An application with the console's routes behind the security headers.
    func application(
        users: UserDirectory = ConsoleFixture.users, clock: any EngineClock = SystemClock()
    ) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: SecurityHeadersMiddleware())
        var configuration = SupportConsole.Configuration()
        configuration.eventPollInterval = .milliseconds(20)
        SupportConsole(
            engine: engine, host: Host(graph: graph), users: users, configuration: configuration, clock: clock, logger: Self.quiet
        ).addRoutes(to: router)
        return Application(router: router, logger: Self.quiet)
    }

    /// Runs `body` with a client of the console.
    func withClient(
        users: UserDirectory = ConsoleFixture.users, clock: any EngineClock = SystemClock(),
        _ body: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        try await application(users: users, clock: clock).test(.router, body)
    }

    /// The timeline of every run, to check that nothing was written.
    func allEvents() async throws -> [String: [JournalEvent]] {
        var events: [String: [JournalEvent]] = [:]
        for run in try await engine.runs() { events[run.id.rawValue] = try await engine.history(of: run.id) }
        return events
    }
}

/// `Authorization: Basic …` for `name` and `password`.
func basic(_ name: String, _ password: String) -> HTTPFields {
    [.authorization: "Basic " + Data("\(name):\(password)".utf8).base64EncodedString()]
}

let alice = basic("alice", "alice-password-1")
let bob = basic("bob", "bob-password-22")
let json: HTTPFields = [.contentType: "application/json"]

extension HTTPFields {
    static func + (lhs: HTTPFields, rhs: HTTPFields) -> HTTPFields {
        var fields = lhs
        fields.append(contentsOf: rhs)
        return fields
    }
}

/// `value` as a JSON body.
func body(_ value: [String: Any]) -> ByteBuffer {
    ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: value))
}

/// A response's body as a JSON object.
func object(_ response: TestResponse) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any], "\(String(buffer: response.body))")
}

/// Runs SQL on a journal file behind the engine's back (to leave a run as a dead process would).
func rawSQL(_ path: String, _ sql: String) throws {
    var db: OpaquePointer?
    guard sqlite3_open(path, &db) == SQLITE_OK else { throw POSIXError(.EIO) }
    defer { sqlite3_close(db) }
    guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else { throw POSIXError(.EIO) }
}
