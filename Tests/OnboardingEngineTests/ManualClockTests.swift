import Foundation
import OnboardingEngineTesting
import Synchronization
import Testing

/// The test clock keeps the `EngineClock` contract: a sleep ends when the clock reaches its
/// deadline, or with `CancellationError` when its task is cancelled — also when the task was
/// cancelled while it was awake between two sleeps, as the engine's lease ticker is.
@Suite("The manual clock")
struct ManualClockTests {
    @Test func aSleepEndsWhenTheClockReachesItsDeadline() async throws {
        let clock = ManualClock()
        let deadline = clock.now().addingTimeInterval(5)
        let sleeping = Task { try await clock.sleep(until: deadline) }
        await clock.waitForSleepers(atLeast: 1)
        clock.advance(by: .seconds(4))
        #expect(clock.sleeperCount == 1, "not woken before its deadline")
        clock.advance(by: .seconds(1))
        try await sleeping.value
        #expect(clock.sleeperCount == 0)
    }

    @Test func aSleepingTaskThatIsCancelledWakesWithCancellationError() async {
        let clock = ManualClock()
        let sleeping = Task { try await clock.sleep(until: clock.now().addingTimeInterval(60)) }
        await clock.waitForSleepers(atLeast: 1)
        sleeping.cancel()
        await #expect(throws: CancellationError.self) { try await sleeping.value }
        #expect(clock.sleeperCount == 0)
    }

    /// The case that kept a run's `resume` from returning: a loop that sleeps again and again,
    /// cancelled while it was awake. Before the fix its next sleep registered anyway and waited
    /// for the clock; a clock that keeps moving woke it forever.
    @Test func aTaskCancelledBetweenTwoSleepsDoesNotSleepAgain() async {
        let clock = ManualClock()
        let awake = Gate()
        let goOn = Gate()
        let rounds = Atomic<Int>(0)
        let looping = Task {
            try await clock.sleep(until: clock.now().addingTimeInterval(1))
            awake.open()
            await goOn.wait()  // cancelled here, while not sleeping on the clock
            while true {
                rounds.add(1, ordering: .relaxed)
                try await clock.sleep(until: clock.now().addingTimeInterval(1))
            }
        }
        await clock.waitForSleepers(atLeast: 1)
        clock.advance(by: .seconds(1))
        await awake.wait()
        looping.cancel()
        goOn.open()
        // Keep the clock moving, as a test driving a run does: a sleep that ignored the
        // cancellation would be woken and sleep again for as long as this goes on.
        for _ in 0..<50 where clock.sleeperCount > 0 || rounds.load(ordering: .relaxed) == 0 {
            clock.advance(by: .seconds(1))
            try? await Task.sleep(for: .milliseconds(2))
        }
        // Read before awaiting the task: one that ignored the cancellation would never end.
        let slept = rounds.load(ordering: .relaxed)
        #expect(slept == 1, "the cancelled task tried to sleep once and ended at once, not \(slept) times")
        #expect(clock.sleeperCount == 0, "nothing sleeps on the clock")
        guard slept == 1 else { return }
        await #expect(throws: CancellationError.self) { try await looping.value }
    }
}

/// A one-shot latch for ordering two tasks in a test.
private final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let isOpen = state.withLock { state in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if isOpen { continuation.resume() }
        }
    }
}
