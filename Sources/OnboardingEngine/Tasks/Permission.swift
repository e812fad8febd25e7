/// A permission a task needs, such as the Graph application permission `Domain.Read.All`.
///
/// The engine treats permissions as opaque names: it compares what a task declares with what
/// the host says is granted, and names the missing ones when a task is blocked.
public struct Permission: Hashable, Comparable, Sendable, Codable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The permission's name, e.g. `"User.Read.All"`.
    public let name: String

    /// Creates a permission from its name.
    public init(_ name: String) { self.name = name }
    /// Creates a permission from a string literal.
    public init(stringLiteral value: String) { self.name = value }

    public init(from decoder: any Decoder) throws {
        self.name = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }

    public static func < (lhs: Permission, rhs: Permission) -> Bool { lhs.name < rhs.name }
    public var description: String { name }
}

/// Whether a task changes anything outside the engine.
public enum TaskEffect: String, Sendable, Codable, CaseIterable {
    /// The task only reads; it may run outside change-control windows.
    case readOnly
    /// The task changes the tenant or a service; it starts only inside a change window, if any are set.
    case mutating
}
