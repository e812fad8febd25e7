import Synchronization

/// Fans engine events out to every current subscriber.
///
/// Each subscriber buffers at most ``bufferLimit`` events: one that stops reading loses the oldest
/// rather than growing the engine's memory without bound. Streams end when the engine goes away.
final class EventBroadcaster: Sendable {
    /// The most events a subscriber that does not keep up holds.
    static let bufferLimit = 4_096

    private let subscribers = Mutex<[Int: AsyncStream<EngineEvent>.Continuation]>([:])
    private let nextID = Atomic<Int>(0)
    private let count = Atomic<Int>(0)

    func subscribe() -> AsyncStream<EngineEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: EngineEvent.self, bufferingPolicy: .bufferingNewest(Self.bufferLimit))
        let id = nextID.add(1, ordering: .relaxed).newValue
        subscribers.withLock { $0[id] = continuation }
        count.add(1, ordering: .relaxed)
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            self.subscribers.withLock { _ = $0.removeValue(forKey: id) }
            self.count.subtract(1, ordering: .relaxed)
        }
        return stream
    }

    /// Whether anyone listens; the runner skips building events when nobody does.
    var hasSubscribers: Bool { count.load(ordering: .relaxed) > 0 }

    func publish(_ events: [EngineEvent]) {
        guard hasSubscribers, !events.isEmpty else { return }
        let targets = subscribers.withLock { Array($0.values) }
        for continuation in targets { for event in events { continuation.yield(event) } }
    }

    deinit { finishAll() }

    func finishAll() {
        let targets = subscribers.withLock { Array($0.values) }
        for continuation in targets { continuation.finish() }
    }
}
