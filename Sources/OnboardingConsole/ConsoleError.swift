/// An error from the support console: a bad request, a users file that cannot be read, a refused
/// sign-in. Each carries a stable ``code`` for programs and a ``message`` for people.
public struct ConsoleError: Error, Sendable, CustomStringConvertible {
    /// What kind of problem this is. Extensible: new codes may be added in minor releases.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The stable name of the code, e.g. `"badRequest"`.
        public let name: String
        private init(_ name: String) { self.name = name }

        /// The request is malformed or lacks something it needs (a reason, a task).
        public static let badRequest = Code("badRequest")
        /// No credentials, or wrong ones.
        public static let unauthenticated = Code("unauthenticated")
        /// The user may look but not act.
        public static let forbidden = Code("forbidden")
        /// A request made with a session cookie lacks the session's CSRF token.
        public static let csrfRejected = Code("csrfRejected")
        /// The users file is missing, unreadable, too open, or has a line that is not `name:role:hash`.
        public static let usersFile = Code("usersFile")
        /// A name, role or password that cannot be stored.
        public static let invalidUser = Code("invalidUser")
        /// The server's own settings are unsafe (e.g. an address off loopback without TLS).
        public static let insecureConfiguration = Code("insecureConfiguration")

        public var description: String { name }
    }

    /// What kind of problem this is.
    public var code: Code
    /// A sentence a person can act on; never a secret.
    public var message: String
    /// Where in this library the error was raised.
    public var location: String

    /// Creates an error.
    public init(_ code: Code, _ message: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.location = "\(file):\(line)"
    }

    public var description: String { "\(code): \(message)" }
}
