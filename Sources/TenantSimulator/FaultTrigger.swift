/// How many matching requests a ``Fault`` hits.
public struct FaultTrigger: Sendable, Hashable {
    enum Storage: Sendable, Hashable {
        case times(Int)
        case probability(Double)
    }

    let storage: Storage

    /// The next `count` matching requests, then the fault is spent.
    public static func times(_ count: Int) -> FaultTrigger { FaultTrigger(storage: .times(count)) }
    /// Every matching request with this probability (0…1), drawn from the simulator's seeded generator.
    public static func probability(_ probability: Double) -> FaultTrigger {
        FaultTrigger(storage: .probability(probability))
    }
    /// Every matching request until the fault is removed.
    public static let always = FaultTrigger(storage: .probability(1))
}
