import EssentialsOnboarding
import Foundation
import OnboardingEngine

/// The workflows `onboard` hosts, as a ``WorkflowRegistry``: how any of its commands (and the
/// worker, `onboard serve`) builds the graph of a journaled run.
enum HostRegistry {
    /// The registry: the Microsoft 365 onboarding and offboarding workflows, with the run's journaled endpoints and
    /// credentials from the environment (or `ONBOARD_CREDENTIALS_FILE`). A demo run's graph
    /// comes from `demoTenants` (its simulated tenant running in this process, for `serve`);
    /// without them it has the demo's journaled endpoints, for actions that run no task.
    static func make(demoFolder: URL, demoTenants: DemoTenants? = nil) -> WorkflowRegistry {
        var registry = WorkflowRegistry()
        for workflow in M365Host.workflows {
            registry.register(workflow) { run in
                let input = try HostRegistry.input(of: run, demoFolder: demoFolder)
                if let demo = input.demo, let demoTenants {
                    return try await demoTenants.tenant(for: demo).graph(workflow: workflow)
                }
                return try M365Host.graph(input: input, credentialsFile: SupportSession.credentialsFile, workflow: workflow)
            }
        }
        return registry
    }

    /// A run's journaled input, its demo tenant's state file found in `demoFolder`
    /// (``JournalLocation/demoFolder``).
    static func input(of run: RunRecord, demoFolder: URL) throws -> M365Host.RunInput {
        var input = try run.decodeInput(as: M365Host.RunInput.self)
        input.demo = input.demo?.resolved(in: demoFolder)
        return input
    }
}
