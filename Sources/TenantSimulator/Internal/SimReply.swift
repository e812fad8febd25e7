/// An answer, independent of the HTTP library.
struct SimReply: Error, Sendable {
    var status: Int
    var headers: [(String, String)] = []
    var body: [UInt8] = []
    /// Close the connection without answering.
    var drop: Bool = false
    /// Sleep this long before answering (real time).
    var delay: Duration = .zero
    /// Send the body one byte at a time, this long apart (real time).
    var trickle: Duration?
    var fault: String?

    static func json(_ status: Int, _ value: SimulatorJSON, headers: [(String, String)] = []) -> SimReply {
        SimReply(
            status: status, headers: [("Content-Type", "application/json; charset=utf-8")] + headers,
            body: Array(value.serialized().utf8))
    }

    static func text(_ status: Int, _ text: String, contentType: String = "text/plain; charset=utf-8") -> SimReply {
        SimReply(status: status, headers: [("Content-Type", contentType)], body: Array(text.utf8))
    }

    /// `204 No Content`, what Graph answers a DELETE.
    static let noContent = SimReply(status: 204)

    static func redirect(_ location: String) -> SimReply {
        SimReply(status: 302, headers: [("Location", location)])
    }
}
