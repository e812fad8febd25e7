import ArgumentParser
import Foundation
import OnboardingConsole

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `onboard console add-user NAME --role ROLE --users FILE`: adds a user to the console's users file
/// (or replaces the user's line), with a slow salted hash of a password read from standard input —
/// never from the command line, where other users of the host could see it.
struct ConsoleAddUserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-user",
        abstract: "Add a console user (or set a user's role and password); the password is read from stdin.",
        discussion: """
            The password is the first line of standard input (at a terminal, typed without echo); it is never \
            taken from the command line. The users file is created readable by its owner only. Roles: operator \
            (may act) and read-only (may look). See Docs/SupportConsole.md.

            \(ExitStatus.helpText)
            """)

    @Argument(help: "The user's name (letters, digits, . _ - @); recorded as the actor of what they do.")
    var name: String
    @OptionGroup var file: UsersFileOptions

    func validate() throws {
        guard ConsoleUser.isValidName(name) else {
            throw ValidationError("'\(name)' cannot name a user: use 1 to 64 letters, digits, '.', '_', '-', '@'.")
        }
    }

    func run() async throws {
        let password = try Self.readPassword()
        var directory = try file.load()
        let role = file.consoleRole, users = file.users
        directory.set(.init(user: ConsoleUser(name: name, role: role), hash: try PasswordHash(hashing: password, rounds: file.rounds)))
        try directory.write(to: users)
        print("User '\(name)' (\(role.rawValue)) is in \(users). Serve the console with: onboard serve --http-port N --users \(users)")
    }

    /// The first line of standard input; at a terminal, prompted for and typed without echo.
    static func readPassword() throws -> String {
        let terminal = isatty(STDIN_FILENO) == 1
        var saved = termios()
        if terminal {
            FileHandle.standardError.write(Data("Password: ".utf8))
            tcgetattr(STDIN_FILENO, &saved)
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSANOW, &quiet)
        }
        let line = readLine(strippingNewline: true)
        if terminal {
            tcsetattr(STDIN_FILENO, TCSANOW, &saved)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        guard let line, !line.isEmpty else {
            throw ValidationFailure("No password on standard input: type it, or pipe it in (echo … | onboard console add-user …).")
        }
        guard line.count >= 12 else { throw ValidationFailure("The password is too short: use at least 12 characters.") }
        return line
    }
}
