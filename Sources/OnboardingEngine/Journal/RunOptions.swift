public import Foundation

/// Options for one run. They are journaled with the run, so a resumed run keeps them
/// (a dry run stays dry; change windows still apply).
public struct RunOptions: Sendable, Hashable, Codable {
    /// The most tasks of this run that execute at once. The engine's global bound applies too.
    public var maxConcurrentTasks: Int
    /// When set, `mutating` tasks start only inside one of these windows; outside, they wait.
    /// Empty means no restriction.
    public var changeWindows: [ChangeWindow]
    /// A dry run calls each task's `observe`, never `run`, and records what would change.
    public var dryRun: Bool
    /// How long a run may sit in the process with nothing getting anywhere. When nothing can
    /// start before an instant further than this from the last progress (a long backoff, a
    /// closed change window, or a condition that keeps being re-checked and found unmet), the
    /// run parks and `start`/`resume` return instead of holding the process. Shorter waits are
    /// slept through on the engine's clock. Progress is any task outcome except a condition
    /// found still unmet, so a series of retries is slept through as long as each backoff is
    /// shorter than this.
    public var maxIdleWait: Duration

    /// Creates run options.
    public init(
        maxConcurrentTasks: Int = 8,
        changeWindows: [ChangeWindow] = [],
        dryRun: Bool = false,
        maxIdleWait: Duration = .seconds(300)
    ) {
        self.maxConcurrentTasks = max(1, maxConcurrentTasks)
        self.changeWindows = changeWindows
        self.dryRun = dryRun
        self.maxIdleWait = maxIdleWait
    }
}

/// A span of wall-clock time in which mutating tasks may start (a change-control window).
public struct ChangeWindow: Sendable, Hashable, Codable, CustomStringConvertible {
    /// When the window opens.
    public var start: Date
    /// When it closes (tasks already started may finish after it).
    public var end: Date

    /// Creates a window; `end` must be after `start`.
    public init(start: Date, end: Date) {
        self.start = start
        self.end = max(start, end)
    }

    /// Whether `date` falls inside the window.
    public func contains(_ date: Date) -> Bool { date >= start && date < end }

    public var description: String {
        "\(start.formatted(.iso8601)) – \(end.formatted(.iso8601))"
    }
}

extension [ChangeWindow] {
    /// Whether a mutating task may start at `date`: no windows set, or one contains it.
    func allowsChange(at date: Date) -> Bool { isEmpty || contains { $0.contains(date) } }

    /// The next instant after `date` at which a window opens, if any.
    func nextOpening(after date: Date) -> Date? { filter { $0.start > date }.map(\.start).min() }
}
