import Synchronization

/// A many-writer, one-reader queue whose reader takes everything pending at once.
///
/// The runner waits on its mailbox; child tasks post their outcomes to it. Taking all pending
/// messages together is what lets completions that land together share one journal commit.
final class Mailbox<Message: Sendable>: Sendable {
    private struct State {
        var messages: [Message] = []
        var waiter: CheckedContinuation<[Message], Never>?
        var cancelled = false
    }

    private let state = Mutex(State())

    func post(_ message: Message) {
        let handOff = state.withLock { state -> (CheckedContinuation<[Message], Never>, [Message])? in
            state.messages.append(message)
            guard let waiter = state.waiter else { return nil }
            state.waiter = nil
            defer { state.messages.removeAll(keepingCapacity: true) }
            return (waiter, state.messages)
        }
        if let (waiter, messages) = handOff { waiter.resume(returning: messages) }
    }

    /// Takes every pending message without waiting.
    func take() -> [Message] {
        state.withLock { state in
            // Nothing pending (a chain's every turn): emptying an array just handed out would
            // allocate a new buffer for the mailbox.
            guard !state.messages.isEmpty else { return [] }
            defer { state.messages.removeAll(keepingCapacity: true) }
            return state.messages
        }
    }

    /// Waits until at least one message is pending, then takes them all, even if the calling
    /// task is cancelled (used to drain outcomes of attempts that are being cancelled).
    func nextIgnoringCancellation() async -> [Message] {
        await withCheckedContinuation { (continuation: CheckedContinuation<[Message], Never>) in
            let immediate = state.withLock { state -> [Message]? in
                if !state.messages.isEmpty {
                    defer { state.messages.removeAll(keepingCapacity: true) }
                    return state.messages
                }
                state.waiter = continuation
                return nil
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
    }

    /// Waits until at least one message is pending, then takes them all. Returns an empty array
    /// when the calling task is cancelled.
    func next() async -> [Message] {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<[Message], Never>) in
                let immediate = state.withLock { state -> [Message]? in
                    if !state.messages.isEmpty {
                        defer { state.messages.removeAll(keepingCapacity: true) }
                        return state.messages
                    }
                    if state.cancelled { return [] }
                    state.waiter = continuation
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<[Message], Never>? in
                state.cancelled = true
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: [])
        }
    }
}
