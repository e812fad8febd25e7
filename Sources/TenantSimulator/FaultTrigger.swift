/// How many matching requests a ``Fault`` hits.
public struct FaultTrigger: Sendable, Hashable {
    enum Storage: Sendable, Hashable {
        case times(Int, after: Int)
        case probability(Double)
    }

    let storage: Storage

    /// The next `count` matching requests, then the fault is spent.
    public static func times(_ count: Int) -> FaultTrigger { FaultTrigger(storage: .times(count, after: 0)) }
    /// The `count` matching requests after the first `skipped` ones, then the fault is spent:
    /// `.times(1, after: 1)` hits a listing's second page.
    public static func times(_ count: Int, after skipped: Int) -> FaultTrigger {
        FaultTrigger(storage: .times(count, after: max(0, skipped)))
    }
    /// Every matching request with this probability (0…1), drawn from the simulator's seeded generator.
    public static func probability(_ probability: Double) -> FaultTrigger {
        FaultTrigger(storage: .probability(probability))
    }
    /// Every matching request until the fault is removed.
    public static let always = FaultTrigger(storage: .probability(1))
}
