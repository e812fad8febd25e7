/// In-process inspection; the same data is served at `GET /_simulator/state` and `GET /_simulator/requests`.
extension Simulator {
    /// A consistent copy of the whole state.
    public func snapshot() -> SimulatorSnapshot {
        core.world.withLock { $0.snapshot() }
    }

    /// The request log, oldest first (at most ``SimulatorConfiguration/maximumLoggedRequests``).
    public func requests() -> [RequestRecord] {
        core.world.withLock { Array($0.loggedRequests) }
    }

    /// How many requests reached a route since start (including faulted ones).
    ///
    /// - Parameters:
    ///   - service: the service.
    ///   - method: the HTTP method, e.g. `POST`.
    ///   - route: the route key, e.g. `/users` or `New-InboundConnector`.
    public func requestCount(_ service: SimulatedService, _ method: String, _ route: String) -> Int {
        core.world.withLock { $0.routeCounts["\(service.rawValue) \(method.uppercased()) \(route)"] ?? 0 }
    }
}
