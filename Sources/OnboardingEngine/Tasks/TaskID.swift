/// The stable identifier of a task within a graph, e.g. `"import-domains"`.
///
/// Ids are journaled: renaming a task is a graph change that ``Engine/resume(_:graph:options:)``
/// refuses unless the caller accepts it.
public struct TaskID: Hashable, Comparable, Sendable, Codable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The id as written in the journal.
    public let rawValue: String

    /// Creates an id from its string form.
    public init(_ rawValue: String) { self.rawValue = rawValue }
    /// Creates an id from a string literal.
    public init(stringLiteral value: String) { self.rawValue = value }

    public init(from decoder: any Decoder) throws {
        self.rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public static func < (lhs: TaskID, rhs: TaskID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { rawValue }
}

/// The identifier of one run of a graph, e.g. one tenant's onboarding.
public struct RunID: Hashable, Comparable, Sendable, Codable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The id as written in the journal.
    public let rawValue: String

    /// Creates an id from its string form.
    public init(_ rawValue: String) { self.rawValue = rawValue }
    /// Creates an id from a string literal.
    public init(stringLiteral value: String) { self.rawValue = value }

    public init(from decoder: any Decoder) throws {
        self.rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public static func < (lhs: RunID, rhs: RunID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { rawValue }
}
