import Foundation
import OnboardingEngine

/// A stand-in onboarding graph that runs on this machine alone: each step sleeps briefly and
/// reports what it did. The real Microsoft 365 workflow plugs into the same engine.
enum DemoWorkflow {
    struct Input: Codable, Sendable {
        var tenant: String
        var domains: [String]
    }

    /// The "DNS" the SPF step reads; the demo plays the admin who updates it.
    final class SPFRecord: Sendable {
        private let updated = Mutex(false)
        func update() { updated.withLock { $0 = true } }
        var includesEssentials: Bool { updated.withLock { $0 } }
    }

    static func graph(spf: SPFRecord, stepDelay: Duration) throws -> TaskGraph {
        func step(_ id: TaskID, _ dependencies: [TaskID], _ permissions: Set<Permission>, _ effect: TaskEffect = .mutating)
            -> DemoStep
        {
            DemoStep(id: id, dependencies: dependencies, requiredPermissions: permissions, effect: effect, delay: stepDelay)
        }
        return try TaskGraph(
            workflow: "demo-onboarding",
            tasks: [
                step("check-entitlement", [], [], .readOnly),
                AdminConsent(delay: stepDelay),
                step("service-principals", ["admin-consent"], ["Application.Read.All"], .readOnly),
                step("exchange-app-role", ["service-principals"], ["AppRoleAssignment.ReadWrite.All"]),
                step("exchange-admin-role", ["service-principals"], ["RoleManagement.ReadWrite.Directory"]),
                step("import-domains", ["service-principals"], ["Domain.Read.All"]),
                step("inbound-connector", ["exchange-app-role", "exchange-admin-role"], ["Exchange.ManageAsApp"]),
                step("outbound-connector", ["exchange-app-role", "exchange-admin-role"], ["Exchange.ManageAsApp"]),
                step("bypass-spam-rule", ["inbound-connector"], ["Exchange.ManageAsApp"]),
                SPFCheck(spf: spf),
                step("enable-outbound-connector", ["spf-check", "outbound-connector"], ["Exchange.ManageAsApp"]),
            ])
    }
}

import Synchronization

/// A step that takes a moment and returns nothing.
struct DemoStep: OnboardingTask {
    let id: TaskID
    let dependencies: [TaskID]
    let requiredPermissions: Set<Permission>
    let effect: TaskEffect
    let delay: Duration

    func run(_ context: TaskContext) async throws -> NoOutput {
        try await Task.sleep(for: delay)
        return NoOutput()
    }

    func observe(_ context: TaskContext) async throws -> Observation {
        .wouldChange(["\(id.rawValue.replacingOccurrences(of: "-", with: " "))"])
    }
}

/// Waits for a Global Admin to grant consent, as the real workflow does.
struct AdminConsent: OnboardingTask {
    let delay: Duration
    var id: TaskID { "admin-consent" }
    var dependencies: [TaskID] { ["check-entitlement"] }

    func run(_ context: TaskContext) async throws -> NoOutput {
        guard context.confirmation != nil else {
            throw TaskInterruption.waitingForPerson(
                action: "A Global Admin must grant consent at the admin-consent URL, then confirm this step.")
        }
        try await Task.sleep(for: delay)
        return NoOutput()
    }
}

/// Waits, re-checking, until the SPF record includes Essentials.
struct SPFCheck: OnboardingTask {
    let spf: DemoWorkflow.SPFRecord
    var id: TaskID { "spf-check" }
    var dependencies: [TaskID] { ["import-domains"] }
    var effect: TaskEffect { .readOnly }

    func run(_ context: TaskContext) async throws -> NoOutput {
        guard spf.includesEssentials else {
            throw TaskInterruption.waitingForCondition(
                "The SPF record of every domain must include include:_spf-us.ppe-hosted.com.", recheckAfter: .seconds(1))
        }
        return NoOutput()
    }
}
