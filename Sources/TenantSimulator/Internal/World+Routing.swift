/// Maps paths to services and route keys, and dispatches.
extension World {
    /// The service and route key of a request (see ``RequestRecord/route``).
    static func classify(_ request: SimRequest) -> (SimulatedService, String) {
        let segments = request.segments
        guard let first = segments.first else { return (.unknown, "/") }
        let rest = Array(segments.dropFirst())
        switch first {
        case "login":
            if rest.last == "token" { return (.identity, "/token") }
            if rest.last == "adminconsent" { return (.identity, "/adminconsent") }
            return (.identity, "/" + rest.dropFirst().joined(separator: "/"))
        case "graph":
            return (
                .graph,
                template(Array(rest.dropFirst()), idAfter: ["users", "groups", "servicePrincipals", "messages"])
            )
        case "exchange":
            return (.exchange, cmdletName(request.body))
        case "essentials":
            return (
                .essentials, template(Array(rest.dropFirst(2)), idAfter: ["orgs", "domains", "users", "endpoints"])
            )
        default:
            return (.unknown, request.path)
        }
    }

    /// `/users/abc/messages/def/move` → `/users/{id}/messages/{id}/move`; Essentials uses `{domain}`, `{name}`,
    /// `{email}`.
    static func template(_ segments: [String], idAfter collections: Set<String>) -> String {
        var result: [String] = []
        for (index, segment) in segments.enumerated() {
            if index > 0, collections.contains(segments[index - 1]), segment != "delta" {
                switch segments[index - 1] {
                case "orgs", "endpoints": result.append("{domain}")
                case "domains": result.append("{name}")
                case "users" where collections.contains("orgs"): result.append("{email}")
                default: result.append("{id}")
                }
            } else {
                result.append(segment)
            }
        }
        return "/" + result.joined(separator: "/")
    }

    mutating func dispatch(_ request: SimRequest, service: SimulatedService) -> SimReply {
        switch service {
        case .identity: return handleIdentity(request)
        case .graph: return handleGraph(request)
        case .exchange: return handleExchange(request)
        case .essentials: return handleEssentials(request)
        default:
            return .json(
                404,
                [
                    "error": [
                        "code": "NotFound",
                        "message": .string(
                            "No simulated service at '\(request.path)'. Prefixes: /login, /graph, /exchange, /essentials, /_simulator."
                        ),
                    ]
                ])
        }
    }
}
