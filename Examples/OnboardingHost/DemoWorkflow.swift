import Foundation
import OnboardingEngine
import Synchronization

/// A stand-in onboarding workflow that runs on this machine alone: each step sleeps briefly and
/// reports what it did. The real Microsoft 365 workflow plugs into the same engine.
struct DemoWorkflow: Workflow {
    /// The demo tenant.
    struct Input: Codable, Sendable {
        var tenant: String
        var domains: [String]
    }

    /// The "DNS" the SPF step reads; the demo plays the admin who updates it.
    final class SPFRecord: Sendable {
        private let updated: Mutex<Bool>
        init(includesEssentials: Bool = false) { updated = Mutex(includesEssentials) }
        func update() { updated.withLock { $0 = true } }
        var includesEssentials: Bool { updated.withLock { $0 } }
    }

    /// The SPF record the steps read.
    var spf: SPFRecord
    /// How long each step takes.
    var stepDelay: Duration
    /// Tasks that fail permanently in this process (the demo's `--fail`), to leave a run failed.
    var failing: Set<TaskID> = []

    var name: String { "demo-onboarding" }
    var sampleInput: Input { Input(tenant: "contoso", domains: ["contoso.com"]) }

    /// The demo as support finds it later: the admin has updated DNS and nothing is set to fail.
    static var forSupport: DemoWorkflow {
        DemoWorkflow(spf: SPFRecord(includesEssentials: true), stepDelay: .milliseconds(50))
    }

    func graph() throws -> TaskGraph {
        func step(
            _ id: TaskID, _ dependencies: [TaskID], _ permissions: Set<Permission>, _ effect: TaskEffect = .mutating
        )
            -> DemoStep
        {
            DemoStep(
                id: id, dependencies: dependencies, requiredPermissions: permissions, effect: effect, delay: stepDelay,
                fails: failing.contains(id))
        }
        return try TaskGraph(
            workflow: name,
            tasks: [
                step("check-entitlement", [], [], .readOnly),
                AdminConsent(delay: stepDelay, fails: failing.contains("admin-consent")),
                step("service-principals", ["admin-consent"], ["Application.Read.All"], .readOnly),
                step("exchange-app-role", ["service-principals"], ["AppRoleAssignment.ReadWrite.All"]),
                step("exchange-admin-role", ["service-principals"], ["RoleManagement.ReadWrite.Directory"]),
                ImportDomains(delay: stepDelay, fails: failing.contains("import-domains")),
                step("inbound-connector", ["exchange-app-role", "exchange-admin-role"], ["Exchange.ManageAsApp"]),
                step("outbound-connector", ["exchange-app-role", "exchange-admin-role"], ["Exchange.ManageAsApp"]),
                step("bypass-spam-rule", ["inbound-connector"], ["Exchange.ManageAsApp"]),
                SPFCheck(spf: spf, fails: failing.contains("spf-check")),
                step("enable-outbound-connector", ["spf-check", "outbound-connector"], ["Exchange.ManageAsApp"]),
            ])
    }
}

/// The failure `onboard demo --fail TASK` injects.
let demoFailure = TaskInterruption.permanent(
    "The demo was told to fail this step (--fail); a real task would say what went wrong here.", code: "demoFailure")
