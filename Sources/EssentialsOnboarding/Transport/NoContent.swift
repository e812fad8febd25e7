/// The answer to a call whose success has no body (`204 No Content`, as Graph answers a DELETE).
struct NoContent: Decodable, Sendable {}
