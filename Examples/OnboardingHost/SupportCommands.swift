import ArgumentParser
import Foundation
import Logging
import OnboardingEngine

/// `onboard runs`: lists runs in the journal.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "List the runs in a journal.")

    @OptionGroup var journalOption: JournalOption
    @Option(help: "Only runs in this state: running, succeeded, failed, waiting, blocked, cancelled.")
    var state: String?

    func run() throws {
        let journal = try Journal(path: try journalOption.path())
        let filter = try state.map { name -> RunState in
            guard let state = RunState(rawValue: name) else { throw ValidationError("Unknown state '\(name)'.") }
            return state
        }
        for run in try journal.runs(state: filter) {
            let counts = run.taskCounts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.value) \($0.key)" }
            print("\(run.id)  \(run.state)  \(run.workflow)  \(counts.joined(separator: ", "))")
        }
    }
}

/// `onboard show RUN`: the run's tasks and timeline.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a run's tasks and timeline.")

    @OptionGroup var journalOption: JournalOption
    @Argument(help: "The run's id.") var runID: String

    func run() throws {
        let journal = try Journal(path: try journalOption.path(), options: JournalOptions(createIfMissing: false))
        let id = RunID(runID)
        let record = try journal.run(id)
        print("Run \(id) (\(record.workflow)): \(record.state)")
        if let owner = record.leaseOwner, let expiry = record.leaseExpiresAt {
            let live = expiry > Date() ? "held" : "expired"
            print("Lease: \(owner) until \(expiry.formatted(.iso8601)) (\(live))")
        } else if record.state == .running {
            print("Lease: none (the process that ran it stopped; resume it)")
        }
        for task in try journal.tasks(of: id) {
            var line = "  \(task.id): \(task.state)"
            if let park = task.park { line += " — \(park.message)" }
            if let error = task.lastError, task.state != .succeeded { line += " — \(error.message)" }
            print(line)
        }
        print("Timeline:")
        for event in try journal.events(of: id) {
            let task = event.taskID.map { " \($0)" } ?? ""
            let reason = event.reason.map { ": \($0)" } ?? ""
            print("  \(event.at.formatted(.iso8601)) \(event.actor) \(event.action)\(task)\(reason)")
        }
    }
}

/// `onboard resume RUN`: continues a demo run from its journal.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume a demo run where it stopped.")

    @OptionGroup var journalOption: JournalOption
    @Argument(help: "The run's id.") var runID: String

    func run() async throws {
        let journal = try Journal(path: try journalOption.path(), options: JournalOptions(createIfMissing: false))
        let engine = OnboardingEngine(journal: journal, logger: Logger(label: "onboard", factory: { _ in SwiftLogNoOpLogHandler() }))
        let spf = DemoWorkflow.SPFRecord()
        spf.update()  // by now the demo admin has updated DNS
        let graph = try DemoWorkflow.graph(spf: spf, stepDelay: .milliseconds(50))
        let user = ProcessInfo.processInfo.environment["USER"] ?? "support"
        let done = Set(try journal.tasks(of: RunID(runID)).filter { $0.state == .succeeded }.map(\.id))
        let result = try await withProgress(engine, graph: graph, done: done) {
            try await engine.resume(RunID(runID), graph: graph, options: ResumeOptions(actor: user, reason: "onboard resume"))
        }
        print("Run \(runID): \(result.state)")
        switch result.state {
        case .succeeded: return
        case .waiting, .blocked: throw ExitCode(ExitStatus.parked)
        default: throw ExitCode(ExitStatus.failed)
        }
    }
}
