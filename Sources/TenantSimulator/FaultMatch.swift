/// Which requests a ``Fault`` applies to; `nil` fields match anything.
public struct FaultMatch: Sendable, Hashable {
    /// The service.
    public var service: SimulatedService?
    /// The HTTP method (case-insensitive).
    public var method: String?
    /// The route key, compared exactly (see ``RequestRecord/route``).
    public var route: String?

    /// A match.
    public init(service: SimulatedService? = nil, method: String? = nil, route: String? = nil) {
        self.service = service
        self.method = method
        self.route = route
    }

    func matches(service: SimulatedService, method: String, route: String) -> Bool {
        if let expected = self.service, expected != service { return false }
        if let expected = self.method, expected.uppercased() != method.uppercased() { return false }
        if let expected = self.route, expected != route { return false }
        return true
    }
}
