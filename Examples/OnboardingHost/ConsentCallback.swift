import EssentialsOnboarding
import Foundation
import OnboardingConsole
import Hummingbird
import OnboardingEngine

/// `onboard serve --http-port N`'s answer to the admin-consent redirect (`/consent/callback`).
///
/// Microsoft sends the Global Admin's browser back to the run's redirect URI with
/// `admin_consent=True&tenant=…&state=…`, or `error=…&error_description=…&state=…`. The `state`
/// must be the random nonce of a run waiting for consent; then the run is signalled, so
/// `admin-consent` re-checks now instead of at its next re-check. Anything else gets a plain page
/// that says what went wrong, and nothing is written.
struct ConsentCallback: Sendable {
    let engine: Engine

    /// Adds the callback's route to `router`.
    func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.get("/consent/callback") { request, _ -> Response in
            let query = request.uri.queryParameters
            return await answer(
                state: query.get("state"), granted: query.get("admin_consent"), error: query.get("error"),
                description: query.get("error_description"))
        }
    }

    /// The page for one callback, after signalling the run it belongs to (if any).
    func answer(state: String?, granted: String?, error: String?, description: String?) async -> Response {
        guard let state, !state.isEmpty, let run = await waitingRun(for: state) else {
            return page(
                .badRequest, "This consent link does not belong to an onboarding that waits for consent",
                "It may be old, or the onboarding already continued. Open the link the onboarding shows now (onboard show RUN).")
        }
        if let error {
            let detail = (description ?? error).prefix(300)
            return page(
                .ok, "Consent was not granted",
                "Microsoft answered: \(detail). The onboarding of run \(run) keeps waiting; open its consent link again to retry.")
        }
        guard granted?.lowercased() == "true" else {
            return page(.badRequest, "The redirect did not say that consent was granted", "Run \(run) keeps waiting for consent.")
        }
        do {
            try await engine.signal(AdminConsent.key.id, in: run, actor: "consent-callback", note: "the admin-consent redirect came back")
        } catch {
            return page(.conflict, "The onboarding could not be told", ExitStatus.failure(for: error).message)
        }
        return page(.ok, "Consent received", "Thank you. The onboarding of run \(run) continues; you can close this page.")
    }

    /// The run whose `admin-consent` task waits with a link carrying `state`.
    private func waitingRun(for state: String) async -> RunID? {
        // A run waits for consent parked, or while it executes (re-checking in its process).
        let runs = ((try? await engine.runs(state: .waiting)) ?? []) + ((try? await engine.runs(state: .running)) ?? [])
        for summary in runs where summary.workflow == EssentialsWorkflow.name {
            guard let task = (try? await engine.tasks(of: summary.id))?.first(where: { $0.id == AdminConsent.key.id }),
                task.state == .waiting, let link = task.park.flatMap({ DemoAdmin.consentLink(in: $0.message) }),
                let expected = URLComponents(string: link)?.queryItems?.first(where: { $0.name == "state" })?.value
            else { continue }
            if Self.constantTimeEqual(expected, state) { return summary.id }
        }
        return nil
    }

    private static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// A plain HTML page: no script, no outside resources, not framed.
    private func page(_ status: HTTPResponse.Status, _ title: String, _ text: String) -> Response {
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(HTML.escape(title))</title></head>
            <body><h1>\(HTML.escape(title))</h1><p>\(HTML.escape(text))</p></body></html>
            """
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentSecurityPolicy] = "default-src 'none'; frame-ancestors 'none'"
        headers[.init("X-Content-Type-Options")!] = "nosniff"
        headers[.init("Referrer-Policy")!] = "no-referrer"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
