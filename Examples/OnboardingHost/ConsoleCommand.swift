import ArgumentParser

/// `onboard console`: the support console's users (the console itself is served by `onboard serve
/// --http-port N --users FILE`).
struct ConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Manage the support console's users and API tokens (serve it with onboard serve --http-port N --users FILE).",
        discussion: ExitStatus.helpText,
        subcommands: [ConsoleAddUserCommand.self, ConsoleAddTokenCommand.self])
}
