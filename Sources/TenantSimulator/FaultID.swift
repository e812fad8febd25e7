/// Identifies an injected fault so it can be removed.
public struct FaultID: Sendable, Hashable {
    let value: Int
}
