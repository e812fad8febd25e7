import Foundation
import OnboardingEngine

/// One support action over every run a filter selects: a preview that writes nothing and says what
/// each run would do, and an apply that carries it out run by run — one audited action per run,
/// with a per-run result. The console's `/api/bulk/…` and `onboard retry --where` both use it.
public struct BulkOperation: Sendable {
    /// The engine on the journal.
    public var engine: Engine
    /// The host, for labels and graphs.
    public var host: any ConsoleHost
    /// The most runs one operation may touch; more is refused (narrow the filter).
    public var maxRuns: Int

    /// Creates an operation.
    public init(engine: Engine, host: any ConsoleHost, maxRuns: Int = 1_000) {
        self.engine = engine
        self.host = host
        self.maxRuns = maxRuns
    }

    /// Every run `filter` selects, newest first (a search looks in the host's ``ConsoleHost/searchFields``).
    ///
    /// - Throws: ``ConsoleError`` `badRequest` when more than ``maxRuns`` match.
    public func runs(matching filter: RunFilter) async throws -> [RunListing] {
        var filter = filter
        filter.searchFields = host.searchFields
        var runs: [RunListing] = []
        while true {
            let page = try await engine.runs(matching: filter, limit: 500, offset: runs.count)
            guard page.total <= maxRuns else {
                throw ConsoleError(
                    .badRequest, "\(page.total) runs match; one bulk action takes at most \(maxRuns). Narrow the filter.")
            }
            runs += page.runs
            if page.runs.isEmpty || runs.count >= page.total { return runs }
        }
    }

    /// What `action` would do to each run `filter` selects; writes nothing.
    public func preview(_ action: SupportAction, filter: RunFilter) async throws -> BulkReport {
        var items: [BulkReport.Item] = []
        for listing in try await runs(matching: filter) {
            let record = try await engine.run(listing.id)
            let tasks = try await engine.tasks(of: listing.id)
            let check = action.check(run: record, tasks: tasks, stoppedAt: listing.attention?.task)
            items.append(item(listing, task: check.task, check.applies ? "would-apply" : "would-refuse", check.message))
        }
        return BulkReport(action: action.kind.rawValue, applied: false, items: items)
    }

    /// Carries `action` out on each run `filter` selects, as `actor`: one journaled action per run.
    /// A run the action does not apply to is refused (nothing written for it) and the others go on.
    public func apply(_ action: SupportAction, filter: RunFilter, actor: String) async throws -> BulkReport {
        var items: [BulkReport.Item] = []
        for listing in try await runs(matching: filter) {
            let stoppedAt = listing.attention?.task
            do {
                let result = try await action.perform(
                    on: listing.id, by: actor, engine: engine, stoppedAt: stoppedAt, graph: { try await host.graph(for: $0) })
                items.append(item(listing, task: result.task.map { TaskID($0) }, "applied", result.message))
            } catch let error as EngineError {
                items.append(item(listing, task: action.task ?? stoppedAt, "refused", error.message))
            } catch let error as ConsoleError {
                items.append(item(listing, task: action.task ?? stoppedAt, "refused", error.message))
            } catch {
                items.append(item(listing, task: action.task ?? stoppedAt, "failed", ConsoleErrorText.describe(error)))
            }
        }
        return BulkReport(action: action.kind.rawValue, applied: true, items: items)
    }

    private func item(_ listing: RunListing, task: TaskID?, _ outcome: String, _ message: String) -> BulkReport.Item {
        let labels = host.labels(workflow: listing.summary.workflow, input: listing.input)
        return BulkReport.Item(
            run: listing.id.rawValue, task: task?.rawValue, outcome: outcome, message: message,
            labels: labels.isEmpty ? nil : labels)
    }
}
