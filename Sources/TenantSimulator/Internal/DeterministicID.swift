/// Stable ids and names derived from a seed and a few strings (FNV-1a, then SplitMix64 mixing).
enum DeterministicID {
    static func hash(_ seed: UInt64, _ parts: [String]) -> UInt64 {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for part in parts {
            for byte in part.utf8 {
                value ^= UInt64(byte)
                value = value &* 0x0000_0100_0000_01b3
            }
            value ^= 0xff
            value = value &* 0x0000_0100_0000_01b3
        }
        return SeededRandom.mix(value)
    }

    /// A UUID-formatted id (version 4 layout) derived from the seed and parts.
    static func uuid(_ seed: UInt64, _ parts: String...) -> String {
        uuid(seed, parts)
    }

    static func uuid(_ seed: UInt64, _ parts: [String]) -> String {
        let high = hash(seed, parts)
        let low = hash(seed ^ 0x5bd1_e995_1234_5678, parts)
        func hex(_ value: UInt64, _ digits: Int) -> String {
            let text = String(value, radix: 16)
            return String(repeating: "0", count: max(0, digits - text.count)) + text
        }
        let a = hex(high >> 32, 8)
        let b = hex((high >> 16) & 0xffff, 4)
        let c = hex(0x4000 | (high & 0x0fff), 4)
        let d = hex(0x8000 | ((low >> 48) & 0x3fff), 4)
        let e = hex(low & 0xffff_ffff_ffff, 12)
        return "\(a)-\(b)-\(c)-\(d)-\(e)"
    }
}
