import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Turns Hummingbird requests into ``SimRequest``s for ``SimulatorCore`` and its ``SimReply``s back.
struct SimulatorResponder: HTTPResponder {
    typealias Context = SimulatorRequestContext

    struct ConnectionDropped: Error {}

    let core: SimulatorCore
    let maximumBodySize: Int

    func respond(to request: Request, context: Context) async throws -> Response {
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maximumBodySize)
        } catch {
            return Response(status: .contentTooLarge)
        }
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { $0 + "," + field.value } ?? field.value
        }
        let simRequest = SimRequest(
            method: request.method.rawValue, path: request.uri.path, rawQuery: request.uri.query, headers: headers,
            body: Array(body.readableBytesView))
        let reply = await core.respond(to: simRequest)
        context.logger.debug(
            "simulator request",
            metadata: [
                "http.method": .string(simRequest.method), "http.path": .string(simRequest.path),
                "http.status": .stringConvertible(reply.status), "fault": reply.fault.map { .string($0) } ?? "none",
            ])
        if reply.drop {
            // Close without answering: the client sees the connection end before any response bytes.
            try? await context.channel.close()
            throw ConnectionDropped()
        }
        var fields = HTTPFields()
        for (name, value) in reply.headers {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        if let interval = reply.trickle {
            let bytes = reply.body
            return Response(
                status: HTTPResponse.Status(code: reply.status), headers: fields,
                body: ResponseBody(contentLength: bytes.count) { writer in
                    for byte in bytes {
                        try await writer.write(ByteBuffer(bytes: [byte]))
                        try await Task.sleep(for: interval)
                    }
                    try await writer.finish(nil)
                })
        }
        return Response(
            status: HTTPResponse.Status(code: reply.status), headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body)))
    }
}
