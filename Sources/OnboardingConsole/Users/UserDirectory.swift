import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The console's users, as a users file lists them: one `name:role:hash` per line (`role` is
/// `operator` or `read-only`, `hash` a ``PasswordHash``), or `token:name:role:hash` for an API token
/// (``APIToken``, hashed the same way); blank lines and `#` comments allowed.
///
/// The file holds no password, only slow salted hashes; still, it decides who may act, so it must
/// not be writable by others than its owner. `onboard console add-user` writes entries.
public struct UserDirectory: Sendable {
    /// One line of the file.
    public struct Entry: Sendable, Hashable {
        /// What the hash is of.
        public enum Kind: String, Sendable, Hashable, CaseIterable {
            /// A person's password, for Basic credentials and the sign-in page.
            case password
            /// An API token, for `Authorization: Bearer` only.
            case token
        }

        /// The user (for a token, the name scripts act under).
        public var user: ConsoleUser
        /// The password's or token's hash.
        public var hash: PasswordHash
        /// Whether the hash is a password's or a token's.
        public var kind: Kind

        /// Creates an entry.
        public init(user: ConsoleUser, hash: PasswordHash, kind: Kind = .password) {
            self.user = user
            self.hash = hash
            self.kind = kind
        }

        /// The entry as a line of the file.
        public var line: String { (kind == .token ? "token:" : "") + "\(user.name):\(user.role.rawValue):\(hash)" }
    }

    /// The users, in the file's order.
    public var entries: [Entry]

    /// A directory of `entries`.
    public init(entries: [Entry]) {
        self.entries = entries
    }

    /// Reads a users file's text.
    ///
    /// - Throws: ``ConsoleError`` `usersFile` naming the first line that is not `name:role:hash`
    ///   (the line itself is not repeated: it may hold a hash).
    public init(parsing text: String) throws {
        var entries: [Entry] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            // A user may be called `token`: a token's line has one field more.
            let kind: Entry.Kind =
                line.hasPrefix("token:") && line.split(separator: ":", omittingEmptySubsequences: false).count == 4 ? .token : .password
            if kind == .token { line.removeFirst("token:".count) }
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, ConsoleUser.isValidName(String(parts[0])),
                let role = ConsoleUser.Role(rawValue: String(parts[1])), let hash = PasswordHash(parsing: parts[2])
            else {
                throw ConsoleError(
                    .usersFile,
                    "Line \(number + 1) of the users file is not name:role:hash or token:name:role:hash (role operator or read-only, hash as written by `add-user` or `add-token`)."
                )
            }
            guard !entries.contains(where: { $0.user.name == String(parts[0]) }) else {
                throw ConsoleError(.usersFile, "Line \(number + 1) of the users file names user '\(parts[0])' again.")
            }
            entries.append(Entry(user: ConsoleUser(name: String(parts[0]), role: role), hash: hash, kind: kind))
        }
        self.entries = entries
    }

    /// Reads the users file at `path`.
    ///
    /// - Throws: ``ConsoleError`` `usersFile` when it is missing or unreadable, writable by its
    ///   group or others, or has a line that is not `name:role:hash`.
    public static func load(path: String) throws -> UserDirectory {
        var status = stat()
        guard stat(path, &status) == 0, let data = FileManager.default.contents(atPath: path) else {
            throw ConsoleError(.usersFile, "Cannot read the users file \(path). Create it with `add-user`.")
        }
        guard status.st_mode & 0o022 == 0 else {  // group or others may write it
            throw ConsoleError(
                .usersFile, "The users file \(path) may be written by others than its owner; `chmod 600 \(path)` first.")
        }
        return try UserDirectory(parsing: String(decoding: data, as: UTF8.self))
    }

    /// The file's text: one line per entry.
    public var text: String { entries.map { $0.line + "\n" }.joined() }

    /// Adds `entry`, or replaces the entry of the same name.
    public mutating func set(_ entry: Entry) {
        if let index = entries.firstIndex(where: { $0.user.name == entry.user.name }) {
            entries[index] = entry
        } else {
            entries.append(entry)
        }
    }

    /// Writes the directory to `path`, readable and writable by its owner only, replacing the file
    /// in one step.
    public func write(to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        guard FileManager.default.createFile(
            atPath: temporary.path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        else {
            throw ConsoleError(.usersFile, "Cannot write the users file \(path): check the folder and its permissions.")
        }
        guard rename(temporary.path, path) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw ConsoleError(.usersFile, "Cannot replace the users file \(path): check the folder and its permissions.")
        }
    }

    /// The user `name` if `password` is theirs (a slow hash: callers cache the answer). Token
    /// entries never match a password.
    public func authenticate(name: String, password: String) -> ConsoleUser? {
        guard let entry = entries.first(where: { $0.user.name == name && $0.kind == .password }) else {
            // Spend the same time for an unknown name, so a name's existence does not show.
            _ = Self.decoy.verify(password)
            return nil
        }
        return entry.hash.verify(password) ? entry.user : nil
    }

    /// The user of API token `token` (``APIToken``), if the users file holds its hash (a slow
    /// hash: callers cache the answer).
    public func authenticate(token: String) -> ConsoleUser? {
        guard let name = APIToken.name(of: token), let entry = entries.first(where: { $0.user.name == name && $0.kind == .token })
        else {
            _ = Self.decoy.verify(token)
            return nil
        }
        return entry.hash.verify(token) ? entry.user : nil
    }

    private static let decoy = try! PasswordHash(hashing: "decoy", rounds: PasswordHash.defaultRounds)
}
