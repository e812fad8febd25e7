import Foundation
import HTTPTypes
import Hummingbird
import OnboardingEngine

/// The bulk page: `GET /bulk` (the form, and with `preview` the preview — nothing written, a
/// read-only user may look), `POST /bulk/apply` (an operator's, with the session's CSRF token: one
/// journaled action per run, then 303 to the result) and `GET /bulk/result` (the session's last apply,
/// so a reload shows it again instead of applying it again). The same preview and apply as
/// `POST /api/bulk/…`.
extension SupportConsole {
    func addBulkPageRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.get("/bulk") { request, _ in
            guard let (id, session) = self.pageSession(request) else { return Self.toSignIn(request) }
            let query = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
            let fields = BulkPage.fields(query: query)
            var page = BulkPage(fields: fields, user: session.user, csrfToken: session.csrfToken)
            var status = HTTPResponse.Status.ok
            do {
                if query.contains(where: { $0.0 == "preview" }) {
                    let (action, filter) = try Self.bulkRequest(try Self.bulkBody(fields))
                    page.preview = try await self.bulk.preview(action, filter: filter)
                } else {
                    var filter = try RunFilter(query: BulkPage.filterPairs(fields))
                    filter.searchFields = self.host.searchFields
                    page.matching = try await self.engine.runs(matching: filter, limit: 1).total
                }
            } catch {
                let answer = APIError.from(error)
                if answer.status == .internalServerError {
                    self.logger.error("console page failed", metadata: ["error": "\(error)"])
                }
                (status, page.problem) = (answer.status, answer.message)
            }
            return PageLayout.response(
                status,
                PageLayout.document(
                    title: "Bulk actions", user: session.user, csrfToken: session.csrfToken,
                    notice: self.credentials.takeFlash(session: id), body: page.html))
        }
        router.post("/bulk/apply") { request, _ in
            let fields = try await Self.form(request)
            let (id, session): (String, Credentials.Session)
            switch self.actingSession(request, fields: fields) {
            case .success(let acting): (id, session) = acting
            case .failure(let refusal): return refusal.response
            }
            let kept = fields.filter { (RunFilter.keys + BulkPage.actionKeys).contains($0.key) && !$0.value.isEmpty }
            do {
                let (action, filter) = try Self.bulkRequest(try Self.bulkBody(kept))
                let report = try await self.bulk.apply(action, filter: filter, actor: session.user.name)
                self.logger.notice(
                    "bulk action applied",
                    metadata: [
                        "actor": "\(session.user.name)", "action": "\(action.kind.rawValue)",
                        "runs": "\(report.matched)",
                    ])
                self.credentials.keepBulkResult(
                    BulkPage.Applied(
                        fields: kept, report: report, previewed: fields["previewed"].flatMap { Int($0) },
                        actor: session.user.name, at: self.clock.now()),
                    session: id)
                return PageLayout.redirect("/bulk/result")
            } catch {
                self.credentials.setFlash("Not done: \(APIError.from(error).message)", session: id)
                let pairs =
                    BulkPage.filterPairs(kept) + BulkPage.actionKeys.compactMap { key in kept[key].map { (key, $0) } }
                return PageLayout.redirect("/bulk" + (pairs.isEmpty ? "" : "?" + HTML.query(pairs)))
            }
        }
        router.get("/bulk/result") { request, _ in
            guard let (id, session) = self.pageSession(request) else { return Self.toSignIn(request) }
            guard let applied = self.credentials.bulkResult(session: id) else { return PageLayout.redirect("/bulk") }
            return PageLayout.response(
                .ok,
                PageLayout.document(
                    title: "Bulk action applied", user: session.user, csrfToken: session.csrfToken,
                    notice: self.credentials.takeFlash(session: id), body: BulkPage.result(applied)))
        }
    }

    /// The bulk form's fields as the JSON body ``bulkRequest(_:)`` reads: the filters, the action, the
    /// task to act on (`target`), the reason and a skip's output (JSON text).
    static func bulkBody(_ fields: [String: String]) throws -> [String: Any] {
        var filter: [String: Any] = [:]
        for (key, value) in BulkPage.filterPairs(fields) { filter[key] = value }
        var body: [String: Any] = ["filter": filter, "reason": fields["reason"] ?? ""]
        if let action = fields["action"]?.nilIfEmpty { body["action"] = action }
        if let target = fields["target"]?.trimmingCharacters(in: .whitespaces).nilIfEmpty { body["task"] = target }
        if let output = try formOutput(fields["output"]) { body["output"] = output }
        return body
    }

    /// A form's `output` field (a skip's output, typed as JSON) as a JSON value; `nil` when empty.
    ///
    /// - Throws: ``APIError`` `badRequest` when it is not JSON.
    static func formOutput(_ text: String?) throws -> Any? {
        guard let output = text?.trimmingCharacters(in: .whitespacesAndNewlines), !output.isEmpty else { return nil }
        guard let value = try? JSONSerialization.jsonObject(with: Data(output.utf8), options: [.fragmentsAllowed])
        else {
            throw APIError(
                .badRequest, "badRequest", "The output is not JSON; write it as JSON, e.g. {\"domains\": []}.")
        }
        return value
    }
}
