import EssentialsOnboarding
import Foundation
import Logging
import OnboardingEngine
import ServiceLifecycle

/// `onboard serve --drift-every 24h`: every interval, checks each run of the Microsoft 365
/// workflow that succeeded for drift (an admin disabled a connector, deleted the rule, removed
/// the app's role) and journals what it found on the run's timeline (`run.drift-found` or
/// `run.drift-clean`), as CIPP's standards and Microsoft365DSC's monitor mode report it. It only
/// looks: `onboard drift RUN --fix` corrects.
struct DriftMonitor: Service {
    let engine: Engine
    let registry: WorkflowRegistry
    let interval: Duration
    let logger: Logger

    func run() async throws {
        // The first round soon after start, then one per interval, until shutdown (which ends a wait at once).
        var wait = Duration.seconds(2)
        while !Task.isShuttingDownGracefully {
            do {
                let pause = wait
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
            } catch is CancellationError {
                return
            }
            await checkAll()
            wait = interval
        }
    }

    /// One round: every succeeded run of the workflow, one at a time.
    func checkAll() async {
        let runs = (try? await engine.runs(state: .succeeded)) ?? []
        // A tenant taken off Essentials has nothing of ours left to drift.
        let offboarded = (try? await OffboardCommand.offboardings(engine)) ?? [:]
        for summary in runs where summary.workflow == EssentialsWorkflow.name && !summary.dryRun {
            if Task.isShuttingDownGracefully || Task.isCancelled { return }
            do {
                let record = try await engine.run(summary.id)
                if offboarded[try record.decodeInput(as: M365Host.RunInput.self).tenantID] != nil { continue }
                let graph = try await registry.graph(for: record)
                let plan = try await engine.checkDrift(graph, run: summary.id, actor: "drift-monitor")
                if !plan.drifted.isEmpty {
                    print("Drift in run \(summary.id): \(plan.drifted.map(\.id.rawValue).joined(separator: ", ")) (onboard drift \(summary.id) --fix corrects it)")
                }
            } catch {
                logger.warning("drift check failed", metadata: ["run.id": "\(summary.id)", "error": "\(ExitStatus.failure(for: error).message)"])
            }
        }
    }
}
