import EssentialsOnboarding
import Foundation
import OnboardingConsole
import OnboardingEngine
import TenantSimulator

/// `onboard`'s exit codes, documented in `Docs/SupportTool.md`, the README and `onboard --help`.
enum ExitStatus {
    /// The command did what was asked; for commands that run a run, the run succeeded.
    static let succeeded: Int32 = 0
    /// The run failed: a task failed for good.
    static let failed: Int32 = 1
    /// The run was cancelled.
    static let cancelled: Int32 = 2
    /// The run is parked: waiting (a person, a condition, a change window) or blocked (permissions).
    static let parked: Int32 = 3
    /// The journal could not be used: missing, not a journal, damaged, newer schema, locked; for a
    /// PostgreSQL journal also a server that cannot be reached or refuses the login.
    static let journalError: Int32 = 4
    /// The journal has no such run, or the run no such task.
    static let notFound: Int32 = 5
    /// Another live process holds the run's lease (or took it over while this one ran it).
    static let runLeased: Int32 = 6
    /// The action does not apply in the run's or task's state, or its value was refused
    /// (e.g. a skip without the output a dependent needs). Nothing was written.
    static let refused: Int32 = 7
    /// Resume was refused because the workflow's graph changed since the run began.
    static let graphChanged: Int32 = 8
    /// `onboard drift`: something onboarded has drifted from what the workflow set up.
    static let drifted: Int32 = 9
    /// `onboard journal copy`: the destination journal already holds runs. Nothing was written.
    static let destinationNotEmpty: Int32 = 10
    /// Bad command line: unknown command or option, a missing or invalid argument.
    static let usage: Int32 = 64
    /// An unexpected error (a bug): the one-line message says what.
    static let internalError: Int32 = 70

    /// The exit codes as `--help` shows them.
    static let helpText = """
        Exit codes:
          0   succeeded (for resume, retry, skip, confirm: the run succeeded)
          1   the run failed
          2   the run was cancelled
          3   the run is parked (waiting or blocked)
          4   journal error (missing file, not a journal, damaged, newer schema, locked),
              or a PostgreSQL server unreachable or refusing the login
          5   unknown run or task
          6   the run is held by another process
          7   action refused in the current state (nothing was written)
          8   resume refused: the workflow's graph changed (see --accept-graph-changes)
          9   drift: something onboarded changed since (onboard drift)
          10  journal copy: the destination already holds runs (nothing written)
          64  usage error (including a journal URL with a password)
          70  internal error
        """

    /// The exit code for a run that stopped in `state`.
    static func status(for state: RunState) -> Int32 {
        switch state {
        case .succeeded: succeeded
        case .failed: failed
        case .cancelled: cancelled
        case .waiting, .blocked: parked
        case .running: runLeased
        }
    }

    /// The one-line message and exit code for an error a command threw.
    static func failure(for error: any Error) -> (message: String, status: Int32) {
        switch error {
        case let error as EngineError:
            let status: Int32 =
                switch error.code {
                case .unknownRun, .unknownTask: notFound
                case .runLeased: runLeased
                case .graphChanged: graphChanged
                case .invalidState, .outputRequired, .invalidValue, .runExists: refused
                case .unknownWorkflow: usage
                default: internalError
                }
            // The library's words, then the command that helps (the library names no command).
            var hint = ""
            if error.code == .unknownRun { hint = " List runs with `onboard runs`." }
            if error.code == .unknownTask, let run = error.runID { hint = " `onboard show \(run)` lists its tasks." }
            return (oneLine(error.message) + hint, status)
        case let error as JournalError:
            let place = error.path.flatMap { error.message.contains($0) ? nil : " (journal: \($0))" } ?? ""
            return (oneLine("\(error.message)\(place)"), error.code == .notEmpty ? destinationNotEmpty : journalError)
        case let error as SimulatorError:
            // A demo run's tenant file, which belongs with its journal.
            return (oneLine(error.message), journalError)
        case let error as ValidationFailure:
            return (oneLine(error.description), usage)
        case let error as ConsoleError:
            // A filter, reason or users file that cannot be used: the command line's to fix.
            return (oneLine(error.message), usage)
        case let error as ServiceError:
            // A problem with what the user configured (an endpoint, a region) is a usage error.
            let configuration = error.code == .insecureEndpoint || error.service == .configuration
            return (oneLine(error.message), configuration ? usage : failed)
        case is CocoaError, is POSIXError:
            // A file the command needed, in the system's words (never "NSCocoaErrorDomain error 256").
            let path = (error as NSError).userInfo[NSFilePathErrorKey] as? String
            return (oneLine("The file \(path ?? "the command needed") could not be used: \(FileProblem.describe(error))."), internalError)
        default:
            return (oneLine("unexpected error: \(error)"), internalError)
        }
    }

    /// Joins a message's lines so stderr gets exactly one.
    private static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "; ")
    }
}
