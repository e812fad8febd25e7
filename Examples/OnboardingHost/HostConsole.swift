import EssentialsOnboarding
import Foundation
import OnboardingConsole
import OnboardingEngine

/// What the console (and `onboard show`, `runs`, `retry --where`) asks of `onboard`: a run's tenant and
/// Essentials org as labels, the tenant and org as the fields a search looks in, the `onboard`
/// command for a next step (with `--journal` whenever the journal is not the default one), and graphs
/// from ``HostRegistry``.
struct HostConsole: ConsoleHost {
    /// Where the journal is, as `--journal` takes it.
    let journalLocation: String
    /// Builds a run's graph.
    let registry: WorkflowRegistry

    init(journal: HostJournal, registry: WorkflowRegistry? = nil) {
        journalLocation = journal.location
        self.registry = registry ?? HostRegistry.make(demoFolder: journal.demoFolder)
    }

    /// The journal `onboard` uses without `--journal` and `ONBOARD_JOURNAL`.
    static var defaultJournal: String { JournalLocation.stateFolder.appendingPathComponent("journal.sqlite").path }

    /// ` --journal LOCATION` unless the journal is the default one (a command pasted into another
    /// shell must reach the same journal).
    static func journalSuffix(_ location: String) -> String {
        location == defaultJournal ? "" : " --journal \(shellQuoted(location))"
    }

    /// `text` as one shell word.
    static func shellQuoted(_ text: String) -> String {
        let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./-_")
        if !text.isEmpty && text.allSatisfy({ plain.contains($0) }) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The fields of ``M365Host/RunInput`` a search looks in (never `consentState`, a nonce).
    var searchFields: [String] { ["tenantID", "essentialsOrg"] }

    /// The run's tenant and Essentials org.
    func labels(workflow: String, input: [UInt8]) -> [String: String] {
        struct Labels: Decodable {
            var tenantID: String?
            var essentialsOrg: String?
        }
        guard let labels = try? JSONDecoder().decode(Labels.self, from: Data(input)) else { return [:] }
        var result: [String: String] = [:]
        result["tenant"] = labels.tenantID
        result["org"] = labels.essentialsOrg
        return result
    }

    func commandLine(for command: SupportCommand) -> String? {
        var words = ["onboard", command.verb.rawValue, Self.shellQuoted(command.run.rawValue)]
        if let task = command.task, command.verb.actsOnATask { words.append(Self.shellQuoted(task.rawValue)) }
        switch command.verb {
        case .confirm: words += ["--note", "\"<what was done>\""]
        case .skip, .cancel: words += ["--reason", "\"<why>\""]
        case .resume, .retry, .signal, .show: break
        }
        return words.joined(separator: " ") + Self.journalSuffix(journalLocation)
    }

    func graph(for run: RunRecord) async throws -> TaskGraph { try await registry.graph(for: run) }

    /// The admin-consent link while `admin-consent` waits for it: the link its park reason carries
    /// (as `onboard show` prints it and the consent callback checks it).
    func consentLink(for run: RunDetail) -> String? {
        guard let task = run.tasks.first(where: { $0.id == AdminConsent.key.id.rawValue }), task.state == "waiting",
            let message = task.park?.message
        else { return nil }
        return DemoAdmin.consentLink(in: message)
    }
}
