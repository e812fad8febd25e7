import Foundation
import OnboardingEngine

/// The answer to a support action (`POST /api/runs/{id}/tasks/{task}/…`, `POST /api/runs/{id}/cancel`).
public struct ActionResult: Codable, Equatable, Sendable {
    /// The run.
    public var run: String
    /// The task, for task actions.
    public var task: String?
    /// `retry`, `retry-from`, `skip`, `confirm`, `signal`, `cancel`.
    public var action: String
    /// Who acted: the signed-in user, as recorded in the run's timeline.
    public var actor: String
    /// How it reached the run: `recorded` (journaled; the run continues when a worker or a person
    /// resumes it), `delivered` (to the execution in this process), `sent` (to the process running
    /// it), `alreadyDone` (nothing was written: the task no longer waits).
    public var delivery: String
    /// What happened, in words.
    public var message: String

    /// Creates a result.
    public init(run: RunID, task: TaskID?, action: String, actor: String, delivery: SupportDelivery, message: String) {
        self.run = run.rawValue
        self.task = task?.rawValue
        self.action = action
        self.actor = actor
        self.message = message
        switch delivery {
        case .recorded: self.delivery = "recorded"
        case .delivered: self.delivery = "delivered"
        case .sent: self.delivery = "sent"
        case .alreadyDone: self.delivery = "alreadyDone"
        }
    }
}
