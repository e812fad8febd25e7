import Foundation
import OnboardingConsole
import Testing

/// The users file: `name:role:hash` lines, slow salted hashes, refused when others may write it.
@Suite("The console's users file")
struct UserDirectoryTests {
    @Test func aHashVerifiesItsPasswordOnlyAndTwoHashesOfOnePasswordDiffer() throws {
        let hash = try PasswordHash(hashing: "correct horse", rounds: PasswordHash.minimumRounds)
        #expect(hash.verify("correct horse"))
        #expect(!hash.verify("correct horse "))
        #expect(!hash.verify(""))
        let again = try PasswordHash(hashing: "correct horse", rounds: PasswordHash.minimumRounds)
        #expect(hash.salt != again.salt && hash.hash != again.hash, "salted")
        #expect(PasswordHash(parsing: hash.description) == hash)
        #expect(hash.description.hasPrefix("pbkdf2-sha256$210000$"))
        #expect(!hash.description.contains("correct"))
        #expect(throws: ConsoleError.self) { try PasswordHash(hashing: "x", rounds: 1_000) }
        #expect(PasswordHash(parsing: "pbkdf2-sha256$1000$\(Data(hash.salt).base64EncodedString())$\(Data(hash.hash).base64EncodedString())") == nil)
    }

    @Test func theFileIsParsedWrittenOwnerOnlyAndRefusedWhenOthersMayWriteIt() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("users-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("users").path
        let hash = try PasswordHash(hashing: "s3cret-password", rounds: PasswordHash.minimumRounds)
        var directory = UserDirectory(entries: [])
        directory.set(.init(user: ConsoleUser(name: "ops@example.com", role: .operator), hash: hash))
        directory.set(.init(user: ConsoleUser(name: "auditor", role: .readOnly), hash: hash))
        directory.set(.init(user: ConsoleUser(name: "ops@example.com", role: .readOnly), hash: hash))
        try directory.write(to: path)
        let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        let loaded = try UserDirectory.load(path: path)
        #expect(loaded.entries.map(\.user) == [ConsoleUser(name: "ops@example.com", role: .readOnly), ConsoleUser(name: "auditor", role: .readOnly)])
        #expect(loaded.authenticate(name: "auditor", password: "s3cret-password")?.role == .readOnly)
        #expect(loaded.authenticate(name: "auditor", password: "wrong") == nil)
        #expect(loaded.authenticate(name: "nobody", password: "s3cret-password") == nil)

        try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: path)
        let open = #expect(throws: ConsoleError.self) { try UserDirectory.load(path: path) }
        #expect(open?.code == .usersFile && open?.message.contains("chmod 600") == true)

        for bad in ["alice:admin:\(hash)", "alice:operator", "al ice:operator:\(hash)", "alice:operator:plaintext",
            "alice:operator:\(hash)\nalice:read-only:\(hash)"]
        {
            let error = #expect(throws: ConsoleError.self) { try UserDirectory(parsing: "# users\n\n" + bad) }
            #expect(error?.code == .usersFile)
            #expect(error?.message.contains("pbkdf2") == false, "the line is not repeated")
        }
        #expect(try UserDirectory(parsing: "# users\n\nalice:operator:\(hash)\n").entries.count == 1)
    }
}
