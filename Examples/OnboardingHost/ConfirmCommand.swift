import ArgumentParser
import EssentialsOnboarding
import Foundation
import OnboardingEngine

/// `onboard confirm RUN TASK`: records that a person did what a waiting task asked, then
/// resumes the run.
///
/// In a demo run the person at the keyboard is the tenant's admin, and there is no real portal
/// to act in: confirming `admin-consent`, `enable-relay` or `spf-check` first does that step's
/// manual part in the demo tenant (consent, relay, SPF, MX, lockdown). A step that waits on a condition
/// (consent, SPF) needs no confirmation; the resume re-checks it.
struct ConfirmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "confirm", abstract: "Confirm the action a waiting task asked for, then resume.",
        discussion: ExitStatus.helpText)

    @OptionGroup var journalOption: JournalOption
    @OptionGroup var actorOption: ActorOption
    @OptionGroup var resumeOption: ResumeOption
    @Argument(help: "The run's id.") var runID: String
    @Argument(help: "The task's id.") var taskID: String
    @Option(help: "What was done, recorded in the journal (e.g. \"consent granted by J. Doe\").") var note: String?

    func validate() throws {
        // A placeholder pasted from a suggested command is not what a person did.
        if let note = note?.trimmingCharacters(in: .whitespaces),
            note.isEmpty || ["…", "...", "<what was done>"].contains(note) || (note.hasPrefix("<") && note.hasSuffix(">"))
        {
            throw ValidationError("--note should say what was done (for example \"relay enabled by J. Doe\"), not a placeholder.")
        }
    }

    func run() async throws {
        try await SupportSession.with(journalOption) { session in
            let run = try await session.run(runID)
            let task = TaskID(taskID)
            let record = try await session.engine.tasks(of: run.id).first { $0.id == task }
            // Another host's run: only recording the confirmation (--no-resume) is possible here.
            let hosted = run.workflow == EssentialsWorkflow.name
            if !hosted && !resumeOption.noResume { _ = try session.input(of: run) }
            var delivery = SupportDelivery.recorded
            if hosted, let demo = try session.input(of: run).demo, let action = DemoAdmin.Action(task: task) {
                try demo.requireStateFile()
                try await session.requireNoWorkerHoldingDemoTenant()
                if run.state == .cancelled || record?.state != .waiting || record?.park?.kind == .person {
                    delivery = try await session.engine.confirm(task, in: run.id, actor: actorOption.name, note: note)
                }
                try await DemoTenant.run(demo) { tenant in try await tenant.admin.perform(action, park: record?.park) }
                print("Did the admin's part of '\(task)' in the demo tenant.")
            } else {
                delivery = try await session.engine.confirm(task, in: run.id, actor: actorOption.name, note: note)
                print(delivery == .alreadyDone ? await session.alreadyDone(task, in: run.id) : "Confirmed '\(task)'.")
            }
            if await session.explain(delivery, run: run.id) { return }
            if resumeOption.noResume { return print("Resume with: onboard resume \(run.id)") }
            try await session.resumeAndReport(run.id, actor: actorOption.name, reason: "onboard confirm \(task)")
        }
    }
}
