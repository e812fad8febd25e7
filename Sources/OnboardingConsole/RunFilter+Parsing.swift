import Foundation
import OnboardingEngine

/// Filters as people write them: `onboard retry --where 'state=failed,task=import-domains'`, the
/// query of `GET /api/runs?state=failed&task=import-domains`, and a bulk request's `filter` object.
/// The keys: `state` (one or more, `|`-separated in `--where`, repeated or comma-separated in a query),
/// `workflow`, `search`, `task`, `code` (an error code), `stalled` (`true` or `false`).
extension RunFilter {
    /// The keys a filter takes.
    public static let keys = ["state", "workflow", "search", "task", "code", "stalled"]

    /// Reads `key=value` pairs separated by commas, e.g. `state=failed|blocked,task=import-domains`.
    ///
    /// - Throws: ``ConsoleError`` `badRequest` naming an unknown key, a pair without `=`, an unknown
    ///   state or a `stalled` that is not `true` or `false`.
    public init(where text: String) throws {
        var pairs: [(String, String)] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: true) {
            guard let equals = part.firstIndex(of: "=") else {
                throw ConsoleError(.badRequest, "'\(part)' is not key=value; use e.g. state=failed,task=import-domains.")
            }
            let key = part[..<equals].trimmingCharacters(in: .whitespaces)
            let value = part[part.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if key == "state" {
                pairs += value.split(separator: "|").map { ("state", String($0)) }
            } else {
                pairs.append((key, value))
            }
        }
        try self.init(pairs: pairs)
    }

    /// Reads a query's parameters; `state` may repeat or hold a comma-separated list. Parameters
    /// other than the filter's keys (`limit`, `offset`) are left to the caller.
    ///
    /// - Throws: ``ConsoleError`` `badRequest`, as ``init(where:)``.
    public init(query: [(String, String)]) throws {
        var pairs: [(String, String)] = []
        for (key, value) in query where Self.keys.contains(key) {
            if key == "state" {
                pairs += value.split(separator: ",").map { ("state", String($0)) }
            } else {
                pairs.append((key, value))
            }
        }
        try self.init(pairs: pairs)
    }

    private init(pairs: [(String, String)]) throws {
        self.init()
        for (key, value) in pairs {
            guard !value.isEmpty else { continue }
            switch key {
            case "state":
                guard let state = RunState(rawValue: value) else {
                    let names = RunState.allCases.map(\.rawValue).joined(separator: ", ")
                    throw ConsoleError(.badRequest, "Unknown state '\(value)'; use one of: \(names).")
                }
                states.insert(state)
            case "workflow": workflow = value
            case "search": search = value
            case "task": task = TaskID(value)
            case "code": errorCode = value
            case "stalled":
                guard let flag = Bool(value) else { throw ConsoleError(.badRequest, "stalled is true or false, not '\(value)'.") }
                stalled = flag
            default:
                throw ConsoleError(
                    .badRequest, "Unknown filter '\(key)'; use \(Self.keys.joined(separator: ", ")).")
            }
        }
    }

    /// The filter written back as `--where` takes it (keys in a fixed order).
    public var whereText: String {
        var parts: [String] = []
        if !states.isEmpty { parts.append("state=" + states.map(\.rawValue).sorted().joined(separator: "|")) }
        if let workflow { parts.append("workflow=\(workflow)") }
        if let search { parts.append("search=\(search)") }
        if let task { parts.append("task=\(task)") }
        if let errorCode { parts.append("code=\(errorCode)") }
        if let stalled { parts.append("stalled=\(stalled)") }
        return parts.joined(separator: ",")
    }
}
