/// An error of the simulator's own API (not a simulated service's error, which is an HTTP answer).
public struct SimulatorError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, extensibly.
    public struct Code: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
        /// The code's name.
        public var rawValue: String
        /// A code by name.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The name.
        public var description: String { rawValue }

        /// A server could not be started (bind failed).
        public static let startFailed = Code(rawValue: "startFailed")
        /// The tenant id is not simulated.
        public static let unknownTenant = Code(rawValue: "unknownTenant")
        /// The object does not exist.
        public static let notFound = Code(rawValue: "notFound")
        /// A state file belongs to another configuration, is not a state file, or cannot be read or written.
        public static let stateFile = Code(rawValue: "stateFile")
    }

    /// The code.
    public var code: Code
    /// What happened, for a person.
    public var message: String
    /// The file that raised it.
    public var file: String
    /// The line that raised it.
    public var line: Int

    /// An error.
    public init(_ code: Code, _ message: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }
}
