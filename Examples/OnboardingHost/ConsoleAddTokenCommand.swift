import ArgumentParser
import Foundation
import OnboardingConsole

/// `onboard console add-token NAME --role ROLE --users FILE`: adds an API token to the console's
/// users file (or replaces the token of that name) and prints the fresh token once; the file keeps
/// only its slow salted hash. Scripts send it as `Authorization: Bearer TOKEN`.
struct ConsoleAddTokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-token",
        abstract: "Add an API token for scripts (Authorization: Bearer); the token is printed once.",
        discussion: """
            The token is made of random bytes and printed once on standard output; the users file keeps only \
            its hash (created readable by its owner only). NAME is the actor of what the token does. Roles: \
            operator (may act) and read-only (may look). See Docs/SupportConsole.md.

            \(ExitStatus.helpText)
            """)

    @Argument(help: "The token's name (letters, digits, . _ - @); recorded as the actor of what it does.")
    var name: String
    @OptionGroup var file: UsersFileOptions

    func validate() throws {
        guard ConsoleUser.isValidName(name) else {
            throw ValidationError("'\(name)' cannot name a token: use 1 to 64 letters, digits, '.', '_', '-', '@'.")
        }
    }

    func run() async throws {
        let role = file.consoleRole, users = file.users
        var directory = try file.load()
        if directory.entries.contains(where: { $0.user.name == name && $0.kind == .password }) {
            throw ValidationFailure("'\(name)' is a person's name in \(users); give the token a name of its own.")
        }
        let token = APIToken.generate(name: name)
        directory.set(
            .init(
                user: ConsoleUser(name: name, role: role), hash: try PasswordHash(hashing: token, rounds: file.rounds),
                kind: .token))
        try directory.write(to: users)
        FileHandle.standardError.write(
            Data(
                "Token '\(name)' (\(role.rawValue)) is in \(users); it is shown once, keep it now. Restart serve to use it.\n"
                    .utf8))
        print(token)
    }
}
