import ArgumentParser

/// `onboard journal`: commands on a journal as a whole rather than on one run.
struct JournalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "Work on a journal as a whole: copy it into another (a file to PostgreSQL, and back).",
        discussion: ExitStatus.helpText,
        subcommands: [JournalCopyCommand.self])
}
