public import Metrics
import Foundation

/// Settings that apply to every run an engine executes.
public struct EngineConfiguration: Sendable {
    /// The most tasks executing at once across all of this engine's runs.
    public var maxConcurrentTasks: Int
    /// How long a run's lease lasts without renewal. The engine renews it every third of this;
    /// another process may take over a run whose lease has expired.
    public var leaseDuration: Duration
    /// After the process stops this many times in a row while a task is running, the task is
    /// marked failed instead of being started again.
    public var maxConsecutiveCrashes: Int
    /// This engine's name in leases and error messages. Defaults to `host:pid:random`.
    public var ownerID: String
    /// The actor recorded for the engine's own journal events.
    public var actor: String
    /// Called synchronously just before and just after each journal commit of a run, with the
    /// task transitions it holds. For diagnostics and crash tests (a test host can kill itself
    /// at an exact point); keep it cheap.
    public var commitObserver: (@Sendable (CommitSummary) -> Void)?
    /// Called at each crash point a run passes: `before-run:TASK` (the attempt's start is
    /// durable, `run` not yet called), `after-run:TASK` (`run` returned, its success not yet
    /// journaled) and every ``TaskContext/crashPoint(_:)`` a task passes (`NAME:TASK`).
    ///
    /// `nil` (the default) makes every crash point a no-op: production hosts leave it unset. A
    /// crash test's host sets it to `CrashPoint.handler` (`OnboardingEngineTesting`), which kills
    /// the process with SIGKILL at the point named by `ONBOARDING_CRASH_POINT`; so a task marks
    /// where it may be crashed without linking test code.
    public var crashPointHandler: (@Sendable (_ point: String) -> Void)?
    /// Where the engine's counters and timers go; `nil` means the process's `MetricsSystem`.
    public var metricsFactory: (any MetricsFactory)?
    /// How often a running run looks in the journal for what other processes sent it (a
    /// confirmation, a signal, a cancel): they reach it within this time.
    public var messagePollInterval: Duration

    /// Creates a configuration.
    public init(
        maxConcurrentTasks: Int = 64,
        leaseDuration: Duration = .seconds(30),
        maxConsecutiveCrashes: Int = 3,
        ownerID: String? = nil,
        actor: String = "engine",
        commitObserver: (@Sendable (CommitSummary) -> Void)? = nil,
        crashPointHandler: (@Sendable (_ point: String) -> Void)? = nil,
        metricsFactory: (any MetricsFactory)? = nil,
        messagePollInterval: Duration = .seconds(1)
    ) {
        self.messagePollInterval = messagePollInterval
        self.maxConcurrentTasks = max(1, maxConcurrentTasks)
        self.leaseDuration = leaseDuration
        self.maxConsecutiveCrashes = max(1, maxConsecutiveCrashes)
        self.ownerID = ownerID ?? EngineConfiguration.defaultOwnerID()
        self.actor = actor
        self.commitObserver = commitObserver
        self.crashPointHandler = crashPointHandler
        self.metricsFactory = metricsFactory
    }

    static func defaultOwnerID() -> String {
        let host = ProcessInfo.processInfo.hostName
        let pid = ProcessInfo.processInfo.processIdentifier
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return "\(host):\(pid):\(suffix)"
    }
}

/// How ``Engine/resume(_:graph:options:)`` treats a run.
public struct ResumeOptions: Sendable {
    /// Who resumes, for the journal (a person's name, or `"engine"`).
    public var actor: String
    /// Why, for the journal.
    public var reason: String?
    /// Resume even though the graph changed since the run began: added tasks run, removed tasks
    /// are dropped, tasks whose version or dependencies changed run again.
    public var acceptGraphChanges: Bool
    /// Replaces the run's change windows, when set.
    public var changeWindows: [ChangeWindow]?
    /// Replaces the run's ``RunOptions/maxIdleWait``, when set.
    public var maxIdleWait: Duration?

    /// Creates resume options.
    public init(
        actor: String = "engine", reason: String? = nil, acceptGraphChanges: Bool = false,
        changeWindows: [ChangeWindow]? = nil, maxIdleWait: Duration? = nil
    ) {
        self.actor = actor
        self.reason = reason
        self.acceptGraphChanges = acceptGraphChanges
        self.changeWindows = changeWindows
        self.maxIdleWait = maxIdleWait
    }
}

/// How a call to ``Engine/start(_:id:input:options:)`` or ``Engine/resume(_:graph:options:)`` ended.
public struct RunResult: Sendable {
    /// The run.
    public var runID: RunID
    /// Where it stands now.
    public var state: RunState
    /// Every task's record, in topological order.
    public var tasks: [TaskRecord]

    /// The record of task `id`.
    public func task(_ id: TaskID) -> TaskRecord? { tasks.first { $0.id == id } }

    /// The typed output of `task`, if it succeeded.
    public func output<T: OnboardingTask>(of task: T) throws -> T.Output? {
        try self.task(task.id)?.decodeOutput(as: T.Output.self)
    }

    /// Tasks that are waiting or blocked.
    public var parkedTasks: [TaskRecord] { tasks.filter { $0.state == .waiting || $0.state == .blocked } }
    /// Tasks that failed.
    public var failedTasks: [TaskRecord] { tasks.filter { $0.state == .failed } }
}

/// What one journal commit of a run holds, for ``EngineConfiguration/commitObserver``.
public struct CommitSummary: Sendable {
    /// Before the transaction begins, or after it committed durably.
    public enum Phase: Sendable, Hashable {
        /// Nothing of this batch is durable yet.
        case beforeCommit
        /// The batch is durable.
        case afterCommit
    }

    /// Which side of the commit this is.
    public var phase: Phase
    /// The run.
    public var runID: RunID
    /// Each task written, with its new state.
    public var transitions: [(task: TaskID, state: TaskState)]
    /// The run's new state, if the commit changes it.
    public var runState: RunState?
}
