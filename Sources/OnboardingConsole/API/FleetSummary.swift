import Foundation
import OnboardingEngine

/// `GET /api/fleet` (and `/api/fleet.csv`): per workflow and task, how many unfinished runs stopped
/// there and since when — "12 of 40 runs wait at enable-outbound-connector, the oldest for 3 days".
public struct FleetSummary: Codable, Equatable, Sendable {
    /// One workflow, task and state.
    public struct Entry: Codable, Equatable, Sendable {
        /// The workflow.
        public var workflow: String
        /// The task the runs stopped at.
        public var task: String
        /// `failed`, `waiting` or `blocked`.
        public var state: String
        /// How many runs stopped there.
        public var runs: Int
        /// How many runs of the workflow the journal holds.
        public var workflowRuns: Int
        /// The oldest of those tasks' last change.
        public var oldestSince: Date
        /// How long the oldest has been there, in whole seconds, when the summary was made.
        public var oldestAgeSeconds: Int
    }

    /// Bumped only for incompatible changes; new fields may be added within a version.
    public var schemaVersion = 1
    /// When the summary was made.
    public var at: Date
    /// Sorted by workflow, task, state.
    public var entries: [Entry]

    /// The summary of `entries` at `now`.
    public init(_ entries: [FleetEntry], now: Date) {
        at = now
        self.entries = entries.map {
            Entry(
                workflow: $0.workflow, task: $0.task.rawValue, state: $0.state.rawValue, runs: $0.runs,
                workflowRuns: $0.workflowRuns, oldestSince: $0.oldestSince,
                oldestAgeSeconds: max(0, Int(now.timeIntervalSince($0.oldestSince))))
        }
    }

    /// The summary as CSV (RFC 4180): a header, then one line per entry, times in ISO 8601 (UTC).
    public var csv: String {
        var lines = ["workflow,task,state,runs,workflow_runs,oldest_since,oldest_age_seconds"]
        for entry in entries {
            let fields = [
                entry.workflow, entry.task, entry.state, String(entry.runs), String(entry.workflowRuns),
                entry.oldestSince.formatted(.iso8601), String(entry.oldestAgeSeconds),
            ]
            lines.append(fields.map(Self.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// A CSV field, quoted when it must be; a leading `=`, `+`, `-` or `@` is prefixed with `'` so a
    /// spreadsheet does not run it as a formula.
    static func csvField(_ text: String) -> String {
        var text = text
        if let first = text.first, "=+-@".contains(first) { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
