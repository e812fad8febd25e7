public import OnboardingEngine

/// The last step, a person's: deleting the application's enterprise application (its service
/// principal) in the tenant, which revokes its consent for good. The app cannot do it for itself
/// with the permissions it was granted; the task waits for a person's confirmation, with the link.
public struct RemoveEnterpriseApp: OnboardingTask {
    let services: OnboardingServices

    /// This task's key: its id, typed with its output.
    public static let key = TaskKey<Output>("remove-enterprise-app")
    public var id: TaskID { Self.key.id }
    public var dependencies: [TaskID] { [RemoveAppRoles.key.id, EssentialsCleanup.key.id] }
    public var effect: TaskEffect { .readOnly }

    public func run(_ context: TaskContext) async throws -> NoOutput {
        guard context.confirmation != nil else {
            throw TaskInterruption.waitingForPerson(
                action: "A Global Admin deletes the enterprise application \(services.clientID) at \(link), then confirms this step. Until then it holds its remaining Graph permissions but no Exchange role.")
        }
        return NoOutput()
    }

    public func observe(_ context: TaskContext) async throws -> Observation {
        .wouldChange(["wait for a person to delete the enterprise application \(services.clientID) (\(link))"])
    }

    /// The application's page in the Entra admin center.
    var link: String {
        "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/StartboardApplicationsMenuBlade/~/AppAppsPreview/searchQuery/\(services.clientID)"
    }
}
