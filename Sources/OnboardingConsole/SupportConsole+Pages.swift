import Foundation
import HTTPTypes
import Hummingbird
import OnboardingEngine

/// The console's HTML pages: sign-in and sign-out, the run list, a run's page with its action
/// forms, the fleet summary, the bulk page (`SupportConsole+BulkPage.swift`), and the one stylesheet and script they load. Pages use the session cookie; every form
/// carries a CSRF token (the session's, or before sign-in one of its own cookie).
extension SupportConsole {
    /// The cookie that carries the sign-in form's CSRF token before there is a session.
    static let signInCookie = "onboard_console_sign_in"

    func addPageRoutes<Context: RequestContext>(to router: Router<Context>) {
        addBulkPageRoutes(to: router)
        router.get("/") { _, _ in PageLayout.redirect("/runs") }
        router.get("/console/console.js") { _, _ in
            Self.asset(ConsoleAssets.script, type: "text/javascript; charset=utf-8")
        }
        router.get("/console/console.css") { _, _ in
            Self.asset(ConsoleAssets.stylesheet, type: "text/css; charset=utf-8")
        }
        router.get("/sign-in") { request, _ in
            if let id = request.cookies[Credentials.cookieName]?.value, credentials.session(id) != nil {
                return PageLayout.redirect("/runs")
            }
            return self.signInPage(next: request.uri.queryParameters.get("next"))
        }
        router.post("/sign-in") { request, context in
            try await self.signIn(request, address: Self.address(context))
        }
        router.post("/sign-out") { request, _ in
            let fields = try await Self.form(request)
            guard let (id, session) = self.pageSession(request) else { return PageLayout.redirect("/sign-in") }
            guard let token = fields["csrf"], Credentials.constantTimeEqual(token, session.csrfToken) else {
                return Self.csrfProblem(session)
            }
            self.credentials.endSession(id)
            var headers = HTTPFields()
            headers[values: .setCookie].append(
                "\(Credentials.cookieName)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
            return PageLayout.redirect("/sign-in", headers: headers)
        }
        router.get("/runs") { request, _ in
            guard let (id, session) = self.pageSession(request) else { return Self.toSignIn(request) }
            let query = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
            do {
                let list = try await self.listRuns(request)
                let page = RunListPage(query: query, list: list)
                return PageLayout.response(
                    .ok,
                    PageLayout.document(
                        title: "Runs", user: session.user, csrfToken: session.csrfToken,
                        notice: self.credentials.takeFlash(session: id), body: page.html))
            } catch {
                return self.problemPage(error, session: session)
            }
        }
        router.get("/fleet") { request, _ in
            guard let (id, session) = self.pageSession(request) else { return Self.toSignIn(request) }
            do {
                let summary = FleetSummary(try await self.engine.fleetSummary(), now: self.clock.now())
                return PageLayout.response(
                    .ok,
                    PageLayout.document(
                        title: "Fleet", user: session.user, csrfToken: session.csrfToken,
                        notice: self.credentials.takeFlash(session: id), body: FleetPage(summary: summary).html))
            } catch {
                return self.problemPage(error, session: session)
            }
        }
        router.get("/runs/:id") { request, context in
            guard let (id, session) = self.pageSession(request) else { return Self.toSignIn(request) }
            do {
                let run = try Self.runID(context)
                let detail = try await self.runDetail(run)
                let page = RunDetailPage(
                    detail: detail, graph: (try? await self.engine.graph(of: run)) ?? [],
                    consentLink: self.host.consentLink(for: detail), user: session.user, csrfToken: session.csrfToken)
                return PageLayout.response(
                    .ok,
                    PageLayout.document(
                        title: "Run \(detail.id)", user: session.user, csrfToken: session.csrfToken,
                        notice: self.credentials.takeFlash(session: id), body: page.html, bodyData: ["run": detail.id]))
            } catch {
                return self.problemPage(error, session: session)
            }
        }
        router.post("/runs/:id/actions") { request, context in
            let fields = try await Self.form(request)
            let (id, session): (String, Credentials.Session)
            switch self.actingSession(request, fields: fields) {
            case .success(let acting): (id, session) = acting
            case .failure(let refusal): return refusal.response
            }
            let run = try Self.runID(context)
            let back = "/runs/\(HTML.pathSegment(run.rawValue))"
            do {
                guard let name = fields["action"], let kind = SupportAction.Kind(rawValue: name) else {
                    throw APIError(
                        .badRequest, "badRequest",
                        "Choose an action: retry, retry-from, skip, confirm, signal or cancel.")
                }
                var body: [String: Any] = ["reason": fields["reason"] ?? ""]
                if let output = try Self.formOutput(fields["output"]) { body["output"] = output }
                let task = kind.takesTask ? fields["task"].flatMap { $0.isEmpty ? nil : TaskID($0) } : nil
                let result = try await self.act(kind, run: run, task: task, body: body, user: session.user)
                self.credentials.setFlash("Done: \(result.message)", session: id)
            } catch {
                self.credentials.setFlash("Not done: \(APIError.from(error).message)", session: id)
            }
            return PageLayout.redirect(back)
        }
    }

    // MARK: - Sign-in

    func signInPage(next: String?, status: HTTPResponse.Status = .ok, problem: String? = nil) -> Response {
        let token = Credentials.randomToken()
        let target = Self.safeNext(next)
        let body = """
            <h1>Sign in</h1>\(problem.map { "<p class=\"problem\" id=\"sign-in-problem\">\(HTML.escape($0))</p>" } ?? "")\
            <form class="sign-in" method="post" action="/sign-in">\(PageLayout.csrfField(token))\
            <input type="hidden" name="next" value="\(HTML.escape(target))">\
            <label>Name <input type="text" name="name" id="name" autocomplete="username" required autofocus></label>\
            <label>Password or token <input type="password" name="password" id="password" autocomplete="current-password" required></label>\
            <button type="submit" id="sign-in">Sign in</button></form>
            """
        var headers = HTTPFields()
        headers[values: .setCookie].append(
            "\(Self.signInCookie)=\(token); Path=/sign-in; HttpOnly; SameSite=Strict; Max-Age=3600"
                + (configuration.secureCookies ? "; Secure" : ""))
        return PageLayout.response(
            status, PageLayout.document(title: "Sign in", user: nil, csrfToken: nil, body: body), headers: headers)
    }

    func signIn(_ request: Request, address: String?) async throws -> Response {
        let fields = try await Self.form(request)
        guard let token = fields["csrf"], let cookie = request.cookies[Self.signInCookie]?.value,
            Credentials.constantTimeEqual(token, cookie)
        else {
            return signInPage(
                next: fields["next"], status: .forbidden,
                problem: "The sign-in form had expired or did not come from this console; sign in again.")
        }
        let name = fields["name"] ?? ""
        if let wait = limiter.retryAfter(name: name, address: address) {
            var response = signInPage(
                next: fields["next"], status: .tooManyRequests,
                problem: "Too many failed sign-ins; try again in \(wait) seconds.")
            response.headers[.retryAfter] = String(wait)
            return response
        }
        guard let user = await credentials.user(name: name, secret: fields["password"] ?? "") else {
            limiter.recordFailure(name: name, address: address)
            return signInPage(
                next: fields["next"], status: .unauthorized,
                problem: "That name and password do not match a console user.")
        }
        let (id, _) = credentials.startSession(for: user)
        var headers = HTTPFields()
        headers[values: .setCookie].append(sessionCookie(id))
        headers[values: .setCookie].append("\(Self.signInCookie)=; Path=/sign-in; HttpOnly; SameSite=Strict; Max-Age=0")
        logger.notice("console sign-in", metadata: ["user": "\(user.name)"])
        return PageLayout.redirect(Self.safeNext(fields["next"]), headers: headers)
    }

    /// The `Set-Cookie` value of session `id`.
    func sessionCookie(_ id: String) -> String {
        let seconds = Int(configuration.sessionLifetime.components.seconds)
        return "\(Credentials.cookieName)=\(id); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(seconds)"
            + (configuration.secureCookies ? "; Secure" : "")
    }

    /// Where to go after sign-in: a path of this console only (never `//host` or a scheme).
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"),
            !next.unicodeScalars.contains(where: { $0.value < 0x21 })
        else { return "/runs" }
        return next
    }

    // MARK: - Helpers

    /// The page's session, from its cookie.
    func pageSession(_ request: Request) -> (String, Credentials.Session)? {
        guard let id = request.cookies[Credentials.cookieName]?.value, let session = credentials.session(id) else {
            return nil
        }
        return (id, session)
    }

    /// The sign-in page, coming back to the page asked for.
    /// The session of a page form that acts (an action on a run, a bulk apply): signed in, with
    /// this session's CSRF token, as a user who may act; otherwise the page that says why (401,
    /// 403), with nothing written.
    func actingSession(_ request: Request, fields: [String: String]) -> Result<(String, Credentials.Session), PageRefusal> {
        guard let (id, session) = pageSession(request) else {
            return .failure(PageRefusal(response: PageLayout.problem(
                .unauthorized, "Sign in first", "Sign in to act on runs; nothing was written.", user: nil,
                csrfToken: nil)))
        }
        guard let token = fields["csrf"], Credentials.constantTimeEqual(token, session.csrfToken) else {
            return .failure(PageRefusal(response: Self.csrfProblem(session)))
        }
        guard session.user.role.mayAct else {
            return .failure(PageRefusal(response: PageLayout.problem(
                .forbidden, "Not allowed", APIError.forbidden.message, user: session.user,
                csrfToken: session.csrfToken)))
        }
        return .success((id, session))
    }

    static func toSignIn(_ request: Request) -> Response {
        var target = request.uri.path
        if let query = request.uri.query, !query.isEmpty { target += "?" + query }
        return PageLayout.redirect("/sign-in?" + HTML.query([("next", target)]))
    }

    static func csrfProblem(_ session: Credentials.Session) -> Response {
        PageLayout.problem(
            .forbidden, "Form refused",
            "The form did not carry this session's token (it may come from another site, or an old page); nothing was written. Reload the page and try again.",
            user: session.user, csrfToken: session.csrfToken)
    }

    func problemPage(_ error: any Error, session: Credentials.Session) -> Response {
        let answer = APIError.from(error)
        if answer.status == .internalServerError {
            logger.error("console page failed", metadata: ["error": "\(error)"])
        }
        let title =
            switch answer.status {
            case .notFound: "Not found"
            case .badRequest: "Cannot show that"
            case .serviceUnavailable: "The journal cannot be read"
            default: "Something went wrong"
            }
        return PageLayout.problem(
            answer.status, title, answer.message, user: session.user, csrfToken: session.csrfToken)
    }

    /// A form body's fields.
    static func form(_ request: Request) async throws -> [String: String] {
        let buffer = try await request.body.collect(upTo: 64 << 10)
        return PageLayout.formFields(String(buffer: buffer))
    }

    static func asset(_ text: String, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// The client's address when the request context knows it.
    static func address(_ context: some RequestContext) -> String? {
        guard let address = (context as? any RemoteAddressRequestContext)?.remoteAddress else { return nil }
        return address.ipAddress ?? address.description
    }
}
