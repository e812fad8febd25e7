import ArgumentParser
import Foundation
import OnboardingConsole

/// The options `console add-user` and `console add-token` share: the role, the users file and
/// the hash's rounds (hidden; tests lower them).
struct UsersFileOptions: ParsableArguments {
    @Option(help: "operator or read-only.") var role: String
    @Option(help: "The users file (created when missing).") var users: String
    @Option(help: .hidden) var rounds: Int = PasswordHash.defaultRounds

    /// The role asked for (validated).
    var consoleRole: ConsoleUser.Role { ConsoleUser.Role(rawValue: role) ?? .readOnly }

    func validate() throws {
        guard ConsoleUser.Role(rawValue: role) != nil else { throw ValidationError("--role is operator or read-only.") }
        guard rounds >= PasswordHash.minimumRounds else { throw ValidationError("Too few rounds.") }
    }

    /// The users file as it is, or an empty one when there is none yet.
    func load() throws -> UserDirectory {
        FileManager.default.fileExists(atPath: users) ? try UserDirectory.load(path: users) : UserDirectory(entries: [])
    }
}
