import Foundation
import OnboardingEngine

/// `GET /api/runs`: one page of the runs that match the query's filters, newest first.
public struct RunListResponse: Codable, Equatable, Sendable {
    /// Bumped only for incompatible changes; new fields may be added within a version.
    public var schemaVersion = 1
    /// The page's runs.
    public var runs: [RunListItem]
    /// How many runs match in all.
    public var total: Int
    /// Runs matching every filter but the state, per state; states with none left out.
    public var countsByState: [String: Int]
    /// The page size asked for.
    public var limit: Int
    /// How many matching runs come before this page.
    public var offset: Int
    /// The `offset` of the next page; absent on the last.
    public var nextOffset: Int?

    /// The response for `page`, asked with `limit` and `offset`; `labels` labels each run.
    public init(_ page: RunPage, limit: Int, offset: Int, labels: (RunListing) -> [String: String]) {
        runs = page.runs.map { RunListItem($0, labels: labels($0)) }
        total = page.total
        countsByState = Dictionary(uniqueKeysWithValues: page.countsByState.map { ($0.key.rawValue, $0.value) })
        self.limit = limit
        self.offset = offset
        nextOffset = offset + page.runs.count < page.total && !page.runs.isEmpty ? offset + page.runs.count : nil
    }
}
