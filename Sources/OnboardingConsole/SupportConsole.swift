import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OnboardingEngine

/// The support console's JSON API, mounted on a Hummingbird router: runs by filter, a run's detail
/// and next steps, support actions, bulk actions and the fleet summary, for signed-in users only.
///
/// ```swift
/// let router = Router()
/// router.add(middleware: SecurityHeadersMiddleware())
/// SupportConsole(engine: engine, host: host, users: try UserDirectory.load(path: "users"), logger: logger)
///     .addRoutes(to: router)
/// ```
///
/// Every request needs a user of the users file: HTTP Basic credentials, or the cookie of a session
/// opened with them (`POST /api/session`); with the cookie, a state-changing request must also
/// carry the session's `X-CSRF-Token`. A `read-only` user may look (and preview a bulk action) but
/// not act. Each action is journaled with the user's name as its actor. See `Docs/SupportConsole.md`.
public struct SupportConsole: Sendable {
    /// How the console behaves.
    public struct Configuration: Sendable {
        /// How long a session lasts after sign-in.
        public var sessionLifetime: Duration = .seconds(8 * 3600)
        /// Mark the session cookie `Secure` (send it over HTTPS only): set when served with TLS.
        public var secureCookies = false
        /// The most runs one bulk action may touch.
        public var maxBulkRuns = 1_000
        /// The largest page of `GET /api/runs`.
        public var maxPageSize = 500
        /// How often a run's event stream (`GET /api/runs/{id}/events`) looks at the journal for new events.
        public var eventPollInterval: Duration = .milliseconds(250)

        /// The defaults.
        public init() {}
    }

    let engine: Engine
    let host: any ConsoleHost
    let configuration: Configuration
    let credentials: Credentials
    let clock: any EngineClock
    let logger: Logger
    /// Failed sign-ins per name and address (429 after five within a minute).
    let limiter: SignInLimiter

    /// Creates the console.
    ///
    /// - Parameters:
    ///   - engine: the engine on the journal (a worker's engine, so confirmations reach its runs at once).
    ///   - host: labels, command lines and graphs.
    ///   - users: who may sign in.
    ///   - clock: the time for sessions and ages.
    public init(
        engine: Engine, host: any ConsoleHost, users: UserDirectory, configuration: Configuration = .init(),
        clock: any EngineClock = SystemClock(), logger: Logger
    ) {
        self.engine = engine
        self.host = host
        self.configuration = configuration
        self.credentials = Credentials(users: users, clock: clock, sessionLifetime: configuration.sessionLifetime)
        self.clock = clock
        self.logger = logger
        self.limiter = SignInLimiter(clock: clock)
    }

    /// Adds the API's routes (under `/api`) and the pages' (`/sign-in`, `/runs`, `/runs/{id}`, `/bulk`,
    /// `/fleet`, `/console/…`) to `router`.
    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        addPageRoutes(to: router)
        addEventRoutes(to: router)
        router.get("/api/runs") { request, context in
            try await self.answer(request, context, acting: false) { _, _ in try await self.listRuns(request) }
        }
        router.get("/api/runs/:id") { request, context in
            try await self.answer(request, context, acting: false) { _, _ in try await self.runDetail(try Self.runID(context)) }
        }
        router.post("/api/runs/:id/tasks/:task/:action") { request, context in
            try await self.answer(request, context, acting: true) { user, body in
                let kind: SupportAction.Kind
                switch context.parameters.get("action") ?? "" {
                case "retry": kind = (body["from"] as? Bool) == true ? .retryFrom : .retry
                case "skip": kind = .skip
                case "confirm": kind = .confirm
                case "signal": kind = .signal
                default: throw APIError(.notFound, "notFound", "No such action; use retry, skip, confirm or signal.")
                }
                let task = TaskID(Self.decoded(context.parameters.get("task") ?? ""))
                return try await self.act(kind, run: try Self.runID(context), task: task, body: body, user: user)
            }
        }
        router.post("/api/runs/:id/cancel") { request, context in
            try await self.answer(request, context, acting: true) { user, body in
                try await self.act(.cancel, run: try Self.runID(context), task: nil, body: body, user: user)
            }
        }
        router.post("/api/bulk/preview") { request, context in
            // Writes nothing: a read-only user may look at what an action would do.
            try await self.answer(request, context, acting: false) { _, body in
                let (action, filter) = try Self.bulkRequest(body)
                return try await self.bulk.preview(action, filter: filter)
            }
        }
        router.post("/api/bulk/apply") { request, context in
            try await self.answer(request, context, acting: true) { user, body in
                let (action, filter) = try Self.bulkRequest(body)
                let report = try await self.bulk.apply(action, filter: filter, actor: user.name)
                self.logger.notice(
                    "bulk action applied",
                    metadata: ["actor": "\(user.name)", "action": "\(action.kind.rawValue)", "runs": "\(report.matched)"])
                return report
            }
        }
        router.get("/api/fleet") { request, context in
            try await self.answer(request, context, acting: false) { _, _ in
                FleetSummary(try await self.engine.fleetSummary(), now: self.clock.now())
            }
        }
        router.get("/api/fleet.csv") { request, context in
            do {
                _ = try await self.authenticate(request, acting: false, address: Self.address(context))
                let summary = FleetSummary(try await self.engine.fleetSummary(), now: self.clock.now())
                var headers = HTTPFields()
                headers[.contentType] = "text/csv; charset=utf-8"
                headers[.contentDisposition] = "attachment; filename=\"fleet.csv\""
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: summary.csv)))
            } catch {
                throw APIError.from(error)
            }
        }
        router.post("/api/session") { request, context in
            // Sign-in: Basic credentials in, a session cookie and its CSRF token out.
            let user: ConsoleUser
            do {
                user = try await self.authenticate(request, acting: false, address: Self.address(context), passwordOnly: true)
            } catch {
                throw APIError.from(error)
            }
            let (id, session) = self.credentials.startSession(for: user)
            var response = try Self.json(SessionInfo(user: user, csrfToken: session.csrfToken, expiresAt: session.expiresAt))
            response.headers[values: .setCookie].append(self.sessionCookie(id))
            return response
        }
        router.get("/api/session") { request, context in
            try await self.answer(request, context, acting: false) { user, _ in SessionInfo(user: user, csrfToken: nil, expiresAt: nil) }
        }
        router.delete("/api/session") { request, context in
            try await self.answer(request, context, acting: false) { user, _ in
                if let id = request.cookies[Credentials.cookieName]?.value { self.credentials.endSession(id) }
                return SessionInfo(user: user, csrfToken: nil, expiresAt: nil)
            }
        }
    }

    var bulk: BulkOperation { BulkOperation(engine: engine, host: host, maxRuns: configuration.maxBulkRuns) }

    // MARK: - Authentication

    /// The user a request comes from, checked for what it asks.
    ///
    /// - Parameters:
    ///   - acting: the request changes a run (an operator's right).
    ///   - address: the client's address, when the request context knows it.
    ///   - passwordOnly: a sign-in (`POST /api/session`): Basic credentials only, and 429 once the name or
    ///     address has five failed sign-ins within a minute (``SignInLimiter``).
    /// - Throws: ``APIError`` 401 without valid credentials; 403 for a read-only user who acts, or a
    ///   state-changing request that carries a session cookie without its CSRF token; 429 for a sign-in
    ///   after too many failed ones.
    func authenticate(_ request: Request, acting: Bool, address: String? = nil, passwordOnly: Bool = false) async throws
        -> ConsoleUser
    {
        let changesState = request.method != .get && request.method != .head
        let user: ConsoleUser
        if let header = request.headers[.authorization] {
            if header.lowercased().hasPrefix("bearer ") && !passwordOnly {
                guard let bearer = await credentials.bearerUser(header) else { throw APIError.unauthenticated }
                user = bearer
            } else {
                // A sign-in (`POST /api/session`) is rate-limited per name and address; Basic credentials on
                // other requests are slowed by the one queue every password check waits on.
                let name = Credentials.basicName(header)
                if passwordOnly, let wait = limiter.retryAfter(name: name, address: address) {
                    throw APIError.tooManySignIns(wait)
                }
                guard let basic = await credentials.basicUser(header) else {
                    if passwordOnly { limiter.recordFailure(name: name, address: address) }
                    throw APIError.unauthenticated
                }
                user = basic
            }
        } else if passwordOnly {
            throw APIError.unauthenticated
        } else if let id = request.cookies[Credentials.cookieName]?.value, let session = credentials.session(id) {
            if changesState {
                guard let token = request.headers[HTTPField.Name(Credentials.csrfHeader)!],
                    Credentials.constantTimeEqual(token, session.csrfToken)
                else { throw APIError.csrfRejected }
            }
            user = session.user
        } else {
            throw APIError.unauthenticated
        }
        if acting && !user.role.mayAct { throw APIError.forbidden }
        return user
    }

    /// Authenticates, reads a JSON body for a `POST`, runs `body` and answers with its JSON; any
    /// error becomes an ``APIError`` answer (nothing of a failed action was written).
    func answer<Result: Encodable>(
        _ request: Request, _ context: some RequestContext, acting: Bool, _ body: (ConsoleUser, [String: Any]) async throws -> Result
    ) async throws -> Response {
        do {
            let user = try await authenticate(request, acting: acting, address: Self.address(context))
            var fields: [String: Any] = [:]
            if request.method == .post {
                // A cross-site form cannot send JSON without a CORS preflight, which the console never allows.
                guard request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true else {
                    throw APIError(.unsupportedMediaType, "badRequest", "Send the request's body as application/json.")
                }
                let buffer = try await request.body.collect(upTo: 1 << 20)
                let data = Data(buffer.readableBytesView)
                if !data.isEmpty {
                    guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                        throw APIError(.badRequest, "badRequest", "The body is not a JSON object.")
                    }
                    fields = object
                }
            }
            return try Self.json(try await body(user, fields))
        } catch {
            let answer = APIError.from(error)
            if answer.status == .internalServerError {
                logger.error("console request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            }
            throw answer
        }
    }

    static func json(_ value: some Encodable) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(
            status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder.console.encode(value))))
    }

    // MARK: - Reads

    func listRuns(_ request: Request) async throws -> RunListResponse {
        let query = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
        var filter = try RunFilter(query: query)
        filter.searchFields = host.searchFields
        let limit = try Self.integer(query, "limit", default: 50, in: 1...configuration.maxPageSize)
        let offset = try Self.integer(query, "offset", default: 0, in: 0...Int.max)
        let page = try await engine.runs(matching: filter, limit: limit, offset: offset)
        return RunListResponse(page, limit: limit, offset: offset) { listing in
            host.labels(workflow: listing.summary.workflow, input: listing.input)
        }
    }

    func runDetail(_ id: RunID) async throws -> RunDetail {
        let record = try await engine.run(id)
        var detail = RunDetail(
            run: record, tasks: try await engine.tasks(of: id), events: try await engine.history(of: id), now: clock.now(),
            shared: engine.journalLocation.hasPrefix("postgres"), labels: host.labels(workflow: record.workflow, input: record.input),
            commandLine: host.commandLine(for:))
        detail.servedBy = (try? await engine.liveWorkers())?.first?.id
        return detail
    }

    // MARK: - Actions

    func act(_ kind: SupportAction.Kind, run: RunID, task: TaskID?, body: [String: Any], user: ConsoleUser) async throws
        -> ActionResult
    {
        let action = try SupportAction(
            kind, task: task, reason: (body["reason"] as? String) ?? (body["note"] as? String) ?? "",
            output: try Self.output(body))
        let host = self.host
        let result = try await action.perform(on: run, by: user.name, engine: engine, graph: { try await host.graph(for: $0) })
        logger.notice(
            "support action", metadata: ["actor": "\(user.name)", "action": "\(kind.rawValue)", "run.id": "\(run)"])
        return result
    }

    /// A skip's `output`, re-encoded as JSON bytes.
    static func output(_ body: [String: Any]) throws -> [UInt8]? {
        guard let output = body["output"], !(output is NSNull) else { return nil }
        guard let data = try? JSONSerialization.data(withJSONObject: output, options: [.fragmentsAllowed]) else {
            throw APIError(.badRequest, "badRequest", "The output is not JSON.")
        }
        return Array(data)
    }

    /// A bulk request: `{"filter": {…}, "action": "retry", "task": …, "reason": …, "output": …}`.
    static func bulkRequest(_ body: [String: Any]) throws -> (SupportAction, RunFilter) {
        guard let name = body["action"] as? String, let kind = SupportAction.Kind(rawValue: name) else {
            let names = SupportAction.Kind.allCases.map(\.rawValue).joined(separator: ", ")
            throw APIError(.badRequest, "badRequest", "Name the action: one of \(names).")
        }
        var pairs: [(String, String)] = []
        if let filter = body["filter"] as? [String: Any] {
            for (key, value) in filter {
                switch value {
                case let text as String: pairs.append((key, text))
                case let list as [String]: pairs += list.map { (key, $0) }
                case let flag as Bool: pairs.append((key, flag ? "true" : "false"))
                default: throw APIError(.badRequest, "badRequest", "The filter's '\(key)' is not a string, list or boolean.")
                }
            }
            if let unknown = filter.keys.first(where: { !RunFilter.keys.contains($0) }) {
                throw APIError(.badRequest, "badRequest", "Unknown filter '\(unknown)'; use \(RunFilter.keys.joined(separator: ", ")).")
            }
        }
        let filter = try RunFilter(query: pairs)
        let task = (body["task"] as? String).map { TaskID($0) } ?? filter.task
        let action = try SupportAction(
            kind, task: task, reason: (body["reason"] as? String) ?? (body["note"] as? String) ?? "", output: try output(body))
        return (action, filter)
    }

    // MARK: - Parameters

    /// The `:id` parameter, percent-decoded (a child run's id holds a `/`, sent as `%2F`).
    static func runID(_ context: some RequestContext) throws -> RunID {
        guard let raw = context.parameters.get("id") else { throw APIError(.badRequest, "badRequest", "No run id.") }
        return RunID(decoded(raw))
    }

    static func decoded(_ text: String) -> String { text.removingPercentEncoding ?? text }

    static func integer(_ query: [(String, String)], _ key: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = query.last(where: { $0.0 == key })?.1 else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw APIError(.badRequest, "badRequest", "\(key) must be a whole number from \(range.lowerBound) to \(range.upperBound).")
        }
        return number
    }
}
