/// A person who may use the console: a name (recorded as the actor of what they do) and a role.
public struct ConsoleUser: Sendable, Hashable {
    /// What a user may do.
    public enum Role: String, Sendable, Hashable, CaseIterable, Codable {
        /// May look and act: retry, skip, confirm, signal, cancel, bulk apply.
        case `operator`
        /// May look only: every `GET`, and bulk previews; every action is refused (403).
        case readOnly = "read-only"

        /// Whether the role may change runs.
        public var mayAct: Bool { self == .operator }
    }

    /// The user's name: letters, digits, `.`, `_`, `-` and `@`; the actor in the journal.
    public var name: String
    /// What the user may do.
    public var role: Role

    /// Creates a user.
    public init(name: String, role: Role) {
        self.name = name
        self.role = role
    }

    /// Whether `name` may name a user: 1 to 64 of letters, digits, `.`, `_`, `-`, `@`.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64
            && name.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII
                    && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                        || ".-_@".unicodeScalars.contains(scalar))
            }
    }
}
