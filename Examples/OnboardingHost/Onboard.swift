import ArgumentParser
import Foundation

/// `onboard`: the example host for the onboarding engine, and the support tool for resuming
/// failed onboardings.
///
/// Errors from the engine and the journal (an unknown run or task, a file that is not a journal,
/// a run another process holds, a refused action) end the process with one line on stderr and
/// the exit code ``ExitStatus`` documents, never with a Swift error dump.
@main
struct Onboard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "onboard",
        abstract: "Run, inspect and resume resumable onboardings.",
        discussion: ExitStatus.helpText,
        subcommands: [
            DemoCommand.self, RunsCommand.self, ShowCommand.self, ResumeCommand.self, RetryCommand.self,
            SkipCommand.self, ConfirmCommand.self, CancelCommand.self, PlanCommand.self, PermissionsCommand.self,
            GraphCommand.self, StartCommand.self, SimulatorCommand.self, PruneCommand.self, DriftCommand.self,
            ServeCommand.self, SignalCommand.self, OffboardCommand.self, JournalCommand.self, ConsoleCommand.self,
        ],
        defaultSubcommand: DemoCommand.self
    )

    /// Parses the command line and runs the command, turning engine and journal errors into one
    /// line on stderr and a documented exit code.
    static func main() async {
        lineBufferStandardOutput()
        let command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                var syncCommand = command
                try syncCommand.run()
            }
        } catch {
            // The parser's own errors (help, usage, explicit exit codes) keep its handling.
            if error is ExitCode || error is CleanExit || error is ValidationError
                || String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")
            {
                exit(withError: error)
            }
            let failure = ExitStatus.failure(for: error)
            FileHandle.standardError.write(Data("onboard: \(failure.message)\n".utf8))
            Foundation.exit(failure.status)
        }
    }
}
