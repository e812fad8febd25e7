import Foundation
import OnboardingEngine

/// Where a PostgreSQL journal is, and how to reach it.
///
/// The password never comes from a URL or an argument: from `PGPASSWORD` in the environment, or
/// from the `.pgpass` file (`PGPASSFILE`, or `~/.pgpass`), as `psql` finds it.
public struct PostgresJournalConfiguration: Sendable {
    /// The server's host name or address.
    public var host: String
    /// The server's port.
    public var port: Int
    /// The database role.
    public var username: String
    /// The database holding the journal.
    public var database: String
    /// The role's password, if the server asks for one. Kept in memory only; never printed.
    public var password: String?
    /// Whether to use TLS. Required by default for any server not on loopback.
    public var requireTLS: Bool
    /// How many connections the journal keeps to the server at most.
    public var maximumConnections: Int
    /// Whether to create the journal's tables in an empty database.
    public var createIfMissing: Bool
    /// How long a journal call waits for a pooled connection before it fails as `unreachable`
    /// (and the pool is opened afresh); 10 seconds unless set.
    public var connectionWait: Duration = .seconds(10)

    /// Creates a configuration; TLS is required unless `host` is a loopback address.
    public init(
        host: String, port: Int = 5432, username: String, database: String, password: String? = nil,
        requireTLS: Bool? = nil, maximumConnections: Int = 16, createIfMissing: Bool = true
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.database = database
        self.password = password
        self.requireTLS = requireTLS ?? !Self.isLoopback(host)
        self.maximumConnections = max(2, maximumConnections)
        self.createIfMissing = createIfMissing
    }

    /// Reads `postgres://user@host:port/database` (or `postgresql://`). A password in the URL
    /// is refused: it would end up in shell histories and process lists. The password comes
    /// from `environment["PGPASSWORD"]`, or from the `.pgpass` file.
    ///
    /// - Throws: ``JournalError`` `cannotOpen` naming what is wrong with the URL.
    public init(url text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard let url = URLComponents(string: text), ["postgres", "postgresql"].contains(url.scheme?.lowercased() ?? ""),
            let host = url.host, !host.isEmpty
        else {
            throw JournalError(
                .cannotOpen, "'\(Self.redacted(text))' is not a PostgreSQL URL; write postgres://user@host:port/database.")
        }
        guard url.password == nil else {
            throw JournalError(
                .cannotOpen,
                "The journal URL carries a password; remove it and give it in PGPASSWORD or a .pgpass file instead (a URL ends up in shell histories and process lists).")
        }
        let database = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        let username = url.user ?? environment["PGUSER"] ?? environment["USER"] ?? "postgres"
        let port = url.port ?? 5432
        let name = database.isEmpty ? username : database
        self.init(
            host: host, port: port, username: username, database: name,
            password: environment["PGPASSWORD"] ?? Self.pgpass(host: host, port: port, database: name, username: username, environment: environment))
        if let mode = url.queryItems?.first(where: { $0.name == "sslmode" })?.value {
            requireTLS = !["disable", "allow", "prefer"].contains(mode) || !Self.isLoopback(host)
        }
    }

    /// The URL without any password, for messages.
    public var location: String { "postgres://\(username)@\(host):\(port)/\(database)" }

    static func isLoopback(_ host: String) -> Bool {
        ["localhost", "127.0.0.1", "::1", "[::1]"].contains(host.lowercased()) || host.hasPrefix("127.")
    }

    /// The text with anything after `:` in its user part removed.
    static func redacted(_ text: String) -> String {
        guard var url = URLComponents(string: text), url.password != nil else { return text }
        url.password = "…"
        return url.string ?? "a URL"
    }

    /// The password `.pgpass` gives for this server, database and role (`host:port:db:user:password`
    /// lines, `*` matching anything), as libpq reads it.
    static func pgpass(host: String, port: Int, database: String, username: String, environment: [String: String]) -> String? {
        let path = environment["PGPASSFILE"] ?? environment["HOME"].map { "\($0)/.pgpass" }
        guard let path, let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            var fields: [String] = []
            var current = ""
            var escaped = false
            for character in line {
                if escaped {
                    current.append(character)
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == ":" && fields.count < 4 {
                    fields.append(current)
                    current = ""
                } else {
                    current.append(character)
                }
            }
            fields.append(current)
            guard fields.count == 5 else { continue }
            let wanted = [host, String(port), database, username]
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }
}
