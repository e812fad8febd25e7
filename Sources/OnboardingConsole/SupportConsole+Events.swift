import Foundation
import HTTPTypes
import Hummingbird
import OnboardingEngine
import ServiceLifecycle

/// `GET /api/runs/{id}/events`: a run's timeline as server-sent events — what is journaled already
/// (after `Last-Event-ID`, or `?after=N`), then each new event as it is journaled, by this process
/// or any other, until the run ends. Each event is `id: SEQUENCE`, `event: journal` and `data:` the
/// timeline entry as JSON (the same object as in `GET /api/runs/{id}`'s `timeline`). A browser's
/// `EventSource` reconnects by itself and sends the last id it saw, so nothing is missed or repeated.
extension SupportConsole {
    func addEventRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.get("/api/runs/:id/events") { request, context in
            do {
                _ = try await self.authenticate(request, acting: false, address: Self.address(context))
                let run = try Self.runID(context)
                _ = try await self.engine.run(run)  // 404 for an unknown run, before the stream starts
                let after = Self.lastEventID(request)
                var headers = HTTPFields()
                headers[.contentType] = "text/event-stream; charset=utf-8"
                headers[.cacheControl] = "no-store"
                let events = self.engine.events(
                    of: run, after: after, pollInterval: self.configuration.eventPollInterval)
                let body = ResponseBody { writer in
                    // How long a browser waits before it reconnects once the stream ends.
                    try await writer.write(ByteBuffer(string: "retry: 3000\n\n"))
                    // A waiting run's stream never ends by itself: on a graceful shutdown (SIGTERM to `serve`)
                    // it is closed, so the server does not wait for it; the browser reconnects elsewhere or later.
                    let (lines, sink) = AsyncStream.makeStream(of: String.self)
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            do {
                                for try await event in events { sink.yield(Self.serverSentEvent(event)) }
                            } catch is CancellationError {
                            } catch {
                                // The journal went away mid-stream: say so, and let the client reconnect.
                                sink.yield("event: problem\ndata: The journal cannot be read now.\n\n")
                            }
                            sink.finish()
                        }
                        try await withGracefulShutdownHandler {
                            for await line in lines { try await writer.write(ByteBuffer(string: line)) }
                        } onGracefulShutdown: {
                            sink.finish()
                        }
                        group.cancelAll()
                    }
                    try await writer.finish(nil)
                }
                return Response(status: .ok, headers: headers, body: body)
            } catch {
                throw APIError.from(error)
            }
        }
    }

    /// Where to continue: `Last-Event-ID` (sent by a reconnecting browser), else `?after=`, else 0.
    static func lastEventID(_ request: Request) -> Int64 {
        if let header = request.headers[HTTPField.Name("Last-Event-ID")!],
            let value = Int64(header.trimmingCharacters(in: .whitespaces))
        {
            return max(0, value)
        }
        return request.uri.queryParameters.get("after").flatMap { Int64($0) }.map { max(0, $0) } ?? 0
    }

    /// One event in the `text/event-stream` format.
    static func serverSentEvent(_ event: JournalEvent) -> String {
        let entry = RunDetail.Event(
            sequence: event.sequence, at: event.at, actor: event.actor, action: event.action,
            task: event.taskID?.rawValue,
            reason: event.reason, attempt: event.attempt)
        let data = (try? JSONEncoder.console.encode(entry)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        // JSON from the encoder holds no raw newline, so one `data:` line carries it.
        return "id: \(event.sequence)\nevent: journal\ndata: \(data)\n\n"
    }
}
