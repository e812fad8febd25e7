import Foundation
public import Logging

/// What a task's `run` and `observe` receive: who and where it is, the run's input, its
/// dependencies' outputs, its checkpoint, a logger and the engine's clock.
public struct TaskContext: Sendable {
    /// The run this attempt belongs to.
    public let runID: RunID
    /// The task being run.
    public let taskID: TaskID
    /// The attempt number, starting at 1 (crashed attempts count).
    public let attempt: Int
    /// Whether this is a dry run or a plan: `observe` is called and nothing may change.
    public let isDryRun: Bool
    /// A person's confirmation, when the task waited for one and it was given.
    public let confirmation: Confirmation?
    /// A logger with `run.id`, `task.id` and `attempt` metadata.
    ///
    /// Made on each read, not with the context: most attempts never log, and the metadata's
    /// strings and dictionary cost more than a task that does little. A task that logs many
    /// times in a loop may keep it in a local.
    public var logger: Logger {
        var logger = baseLogger
        logger[metadataKey: "run.id"] = "\(runID)"
        logger[metadataKey: "task.id"] = "\(taskID)"
        logger[metadataKey: "attempt"] = "\(attempt)"
        return logger
    }
    /// The logger ``logger`` adds the attempt's metadata to.
    private let baseLogger: Logger
    /// The engine's clock: use it instead of reading the system time or sleeping.
    public let clock: any EngineClock

    let dependencies: Set<TaskID>
    /// The dependencies' outputs, as the runner holds them (no journal read per call).
    let outputs: [TaskID: [UInt8]]
    let input: [UInt8]
    let store: JournalContextStore?
    /// ``EngineConfiguration/crashPointHandler``; `nil` in production, in plans and dry runs.
    let crashPointHandler: (@Sendable (String) -> Void)?

    init(
        runID: RunID, taskID: TaskID, attempt: Int, isDryRun: Bool, confirmation: Confirmation?, logger: Logger,
        clock: any EngineClock, dependencies: Set<TaskID>, outputs: [TaskID: [UInt8]], input: [UInt8],
        store: JournalContextStore?, crashPointHandler: (@Sendable (String) -> Void)? = nil
    ) {
        self.crashPointHandler = crashPointHandler
        self.runID = runID
        self.taskID = taskID
        self.attempt = attempt
        self.isDryRun = isDryRun
        self.confirmation = confirmation
        self.baseLogger = logger
        self.clock = clock
        self.dependencies = dependencies
        self.outputs = outputs
        self.input = input
        self.store = store
    }

    /// Decodes the host's input for this run.
    ///
    /// - Throws: ``EngineError`` `invalidValue` when the input is not a `T`.
    public func input<T: Decodable>(as type: T.Type = T.self) throws -> T {
        do {
            return try JSONCoding.decode(type, from: input)
        } catch {
            throw EngineError(
                .invalidValue, "The run's input cannot be read as this workflow's input: \(DecodingProblem.describe(error)).", runID: runID, taskIDs: [taskID],
                underlying: error)
        }
    }

    /// The output of dependency `id`, decoded as `type`.
    ///
    /// - Throws: ``EngineError`` `notADependency` if `id` is not a dependency of this task,
    ///   `outputUnavailable` if it has no output (skipped without one, or not run in a plan),
    ///   `invalidValue` if it does not decode as `type`.
    public func output<O: Decodable>(of id: TaskID, as type: O.Type = O.self) throws -> O {
        guard dependencies.contains(id) else {
            throw EngineError(
                .notADependency,
                "Task '\(taskID)' read the output of '\(id)', which is not one of its dependencies; add it to `dependencies`.",
                runID: runID, taskIDs: [taskID, id])
        }
        guard let bytes = outputs[id] else {
            throw EngineError(
                .outputUnavailable, "Task '\(id)' has no output for '\(taskID)' to read (it has not run, or was skipped without one).",
                runID: runID, taskIDs: [taskID, id])
        }
        do {
            return try JSONCoding.decode(type, from: bytes)
        } catch {
            throw EngineError(
                .invalidValue, "The output of '\(id)' cannot be read as '\(taskID)' expects: \(DecodingProblem.describe(error)).", runID: runID, taskIDs: [id],
                underlying: error)
        }
    }

    /// The typed output of dependency `task`.
    public func output<T: OnboardingTask>(of task: T) throws -> T.Output {
        try output(of: task.id, as: T.Output.self)
    }

    /// The checkpoint this task saved in an earlier attempt, if any.
    ///
    /// Read from the journal on its own queue, off the cooperative pool.
    public func checkpoint<C: Decodable>(as type: C.Type = C.self) async throws -> C? {
        guard let bytes = try await store?.checkpoint() else { return nil }
        do {
            return try JSONCoding.decode(type, from: bytes)
        } catch {
            throw EngineError(
                .invalidValue, "The saved checkpoint cannot be read: \(DecodingProblem.describe(error)); retry the task from the start to drop it.", runID: runID, taskIDs: [taskID],
                underlying: error)
        }
    }

    /// Durably saves a checkpoint (a cursor, a delta link) that a later attempt reads back with
    /// ``checkpoint(as:)``. In a dry run nothing is saved.
    ///
    /// The write (and its fsync) happens on the journal's own queue, off the cooperative pool;
    /// saves land in the order they were made.
    public func saveCheckpoint<C: Encodable>(_ value: C) async throws {
        guard !isDryRun else { return }
        try await store?.saveCheckpoint(try JSONCoding.encode(value))
    }

    /// Clears the checkpoint.
    public func clearCheckpoint() async throws {
        guard !isDryRun else { return }
        try await store?.saveCheckpoint(nil)
    }

    /// Marks a place inside `run` where a crash test may stop the process: `NAME:TASK`.
    ///
    /// A no-op unless the engine's host installed ``EngineConfiguration/crashPointHandler``, which
    /// only a crash test's host does (with `CrashPoint.handler` of `OnboardingEngineTesting`, armed
    /// by `ONBOARDING_CRASH_POINT=rule-created:tag-external-mail`). The call costs a nil check, and
    /// the task links nothing of the test support:
    ///
    /// ```swift
    /// try await createRule()
    /// context.crashPoint("rule-created")   // a crash test kills the process here: created, not journaled
    /// ```
    ///
    /// The engine itself passes `before-run:TASK` and `after-run:TASK` around every attempt.
    public func crashPoint(_ name: String) {
        guard let crashPointHandler, !isDryRun else { return }
        crashPointHandler("\(name):\(taskID)")
    }
}

/// Where a context keeps its task's checkpoint: the journal, for one run and task. Plans and dry
/// runs read through it and never write (``TaskContext/isDryRun``).
struct JournalContextStore: Sendable {
    let backend: any JournalBackend
    let runID: RunID
    let taskID: TaskID
    let clock: any EngineClock

    func checkpoint() async throws -> [UInt8]? { try await backend.checkpoint(run: runID, task: taskID) }
    func saveCheckpoint(_ bytes: [UInt8]?) async throws {
        try await backend.saveCheckpoint(run: runID, task: taskID, bytes, at: clock.now())
    }
}
