import Crypto
import Foundation
import _CryptoExtras

/// A slow, salted password hash as the users file stores it: PBKDF2 with HMAC-SHA-256, a random
/// 16-byte salt and at least 210,000 rounds (OWASP's floor; 600,000 by default), written
/// `pbkdf2-sha256$ROUNDS$SALT$HASH` with the salt and hash in base64.
public struct PasswordHash: Sendable, Hashable, CustomStringConvertible {
    /// The rounds new hashes use.
    public static let defaultRounds = 600_000
    /// The fewest rounds accepted.
    public static let minimumRounds = 210_000

    /// PBKDF2 rounds.
    public var rounds: Int
    /// The salt.
    public var salt: [UInt8]
    /// The derived key.
    public var hash: [UInt8]

    /// Hashes `password` with a fresh random salt.
    ///
    /// - Throws: ``ConsoleError`` `invalidUser` for an empty password or fewer than 210,000 rounds.
    public init(hashing password: String, rounds: Int = defaultRounds) throws {
        guard !password.isEmpty else { throw ConsoleError(.invalidUser, "The password is empty.") }
        guard rounds >= Self.minimumRounds else {
            throw ConsoleError(.invalidUser, "A password hash needs at least \(Self.minimumRounds) rounds.")
        }
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        self.rounds = rounds
        self.salt = salt
        self.hash = try Self.derive(password, salt: salt, rounds: rounds)
    }

    /// Reads a hash as the users file writes it; `nil` when it is not one.
    public init?(parsing text: some StringProtocol) {
        let parts = text.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "pbkdf2-sha256", let rounds = Int(parts[1]), rounds >= Self.minimumRounds,
            rounds <= 10_000_000, let salt = Data(base64Encoded: String(parts[2])),
            let hash = Data(base64Encoded: String(parts[3])), salt.count >= 8, hash.count == 32
        else { return nil }
        self.rounds = rounds
        self.salt = Array(salt)
        self.hash = Array(hash)
    }

    /// The hash as the users file writes it.
    public var description: String {
        "pbkdf2-sha256$\(rounds)$\(Data(salt).base64EncodedString())$\(Data(hash).base64EncodedString())"
    }

    /// Whether `password` is the one hashed (compared in constant time).
    public func verify(_ password: String) -> Bool {
        guard let derived = try? Self.derive(password, salt: salt, rounds: rounds), derived.count == hash.count else {
            return false
        }
        return zip(derived, hash).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private static func derive(_ password: String, salt: [UInt8], rounds: Int) throws -> [UInt8] {
        let key = try KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8), salt: salt, using: .sha256, outputByteCount: 32, rounds: rounds)
        return key.withUnsafeBytes { Array($0) }
    }
}
