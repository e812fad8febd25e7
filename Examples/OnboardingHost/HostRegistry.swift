import EssentialsOnboarding
import Foundation
import OnboardingEngine

/// The workflows `onboard` hosts, as a ``WorkflowRegistry``: how any of its commands (and the
/// worker, `onboard serve`) builds the graph of a journaled run.
enum HostRegistry {
    /// The registry: the Microsoft 365 workflow, with the run's journaled endpoints and
    /// credentials from the environment (or `ONBOARD_CREDENTIALS_FILE`). A demo run's graph
    /// comes from `demoTenants` (its simulated tenant running in this process); without them a
    /// demo run is refused with the command that continues it.
    static func make(demoTenants: DemoTenants? = nil) -> WorkflowRegistry {
        var registry = WorkflowRegistry()
        registry.register(EssentialsWorkflow.name) { run in
            let input = try run.decodeInput(as: M365Host.RunInput.self)
            guard let demo = input.demo else {
                return try M365Host.graph(input: input, credentialsFile: SupportSession.credentialsFile)
            }
            guard let demoTenants else {
                throw ValidationFailure("Run '\(run.id)' is a demo run: continue it with `onboard resume \(run.id)`.")
            }
            return try await demoTenants.tenant(for: demo).graph()
        }
        return registry
    }
}
