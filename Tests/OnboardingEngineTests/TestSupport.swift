import Foundation
import Logging
import OnboardingEngine
import OnboardingEngineTesting
import Synchronization

/// A journal, a manual clock and an engine over them, cleaned up by `remove()`.
struct Harness {
    let temporary: TemporaryJournal
    let clock: ManualClock
    let engine: Engine

    init(configuration: EngineConfiguration = EngineConfiguration(), clock: ManualClock = ManualClock()) throws {
        temporary = try TemporaryJournal()
        self.clock = clock
        engine = Engine(
            journal: temporary.journal, configuration: configuration, clock: clock, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
            unitRandom: { 0.5 })
    }

    var journal: Journal { temporary.journal }

    /// A second engine on its own connection to the same file, as another process would have.
    func secondEngine(ownerID: String = "other-host:1:abc", clock: (any EngineClock)? = nil) throws -> Engine {
        Engine(
            journal: try temporary.reopen(), configuration: EngineConfiguration(ownerID: ownerID),
            clock: clock ?? self.clock, logger: Logger(label: "test-2", factory: { _ in SwiftLogNoOpLogHandler() }), unitRandom: { 0.5 })
    }

    func remove() { temporary.remove() }
}

/// A thread-safe counter and high-water mark.
final class Counter: Sendable {
    private let state = Mutex((value: 0, current: 0, peak: 0, log: [String]()))

    func increment() { state.withLock { $0.value += 1 } }
    var value: Int { state.withLock { $0.value } }

    func enter() { state.withLock { $0.current += 1; $0.peak = max($0.peak, $0.current) } }
    func leave() { state.withLock { $0.current -= 1 } }
    var peak: Int { state.withLock { $0.peak } }

    func record(_ entry: String) { state.withLock { $0.log.append(entry) } }
    var log: [String] { state.withLock { $0.log } }
}

/// A flag tests flip while a run is parked.
final class Flag: Sendable {
    private let state = Mutex(false)
    func set(_ value: Bool = true) { state.withLock { $0 = value } }
    var isSet: Bool { state.withLock { $0 } }
}

/// Polls `condition` while yielding, for waiting on another task without a clock.
func eventually(_ condition: () -> Bool) async {
    for _ in 0..<10_000 where !condition() { await Task.yield(); try? await Task.sleep(for: .milliseconds(1)) }
}

struct Empty: Codable, Sendable {}

/// A no-op task with the given id and dependencies that logs its order in `counter`.
func step(_ id: TaskID, _ dependencies: [TaskID] = [], counter: Counter? = nil, effect: TaskEffect = .mutating)
    -> ClosureTask<NoOutput>
{
    ClosureTask(id: id, dependencies: dependencies, effect: effect) { _ in
        counter?.record(id.rawValue)
        return NoOutput()
    }
}
