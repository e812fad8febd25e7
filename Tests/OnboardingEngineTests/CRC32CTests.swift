@testable import OnboardingEngine
import Testing

@Suite("CRC-32C, the journal's checksum")
struct CRC32CTests {
    @Test func matchesTheStandardCheckValues() {
        // The catalogue's check value for "123456789", and RFC 3720 (iSCSI) B.4's vectors.
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum(Array(0..<32)) == 0x46DD_794E)
    }

    @Test func everyLengthAgreesWithTheBytewiseDefinition() {
        let bytes = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        for length in 0...bytes.count {
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in bytes.prefix(length) {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            }
            #expect(CRC32C.checksum(Array(bytes.prefix(length))) == crc ^ 0xFFFF_FFFF, "length \(length)")
        }
    }
}
