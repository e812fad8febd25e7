/// Which simulated service a request went to; decided by the first path segment.
public struct SimulatedService: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
    /// The service's name: `identity`, `graph`, `exchange`, `essentials` or `simulator`.
    public var rawValue: String

    /// A service by name.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The name.
    public var description: String { rawValue }

    /// Microsoft identity platform, under `/login`.
    public static let identity = SimulatedService(rawValue: "identity")
    /// Microsoft Graph, under `/graph`.
    public static let graph = SimulatedService(rawValue: "graph")
    /// The Exchange Online admin API, under `/exchange`.
    public static let exchange = SimulatedService(rawValue: "exchange")
    /// Proofpoint Essentials, under `/essentials`.
    public static let essentials = SimulatedService(rawValue: "essentials")
    /// Anything else (unknown paths).
    public static let unknown = SimulatedService(rawValue: "unknown")
}
