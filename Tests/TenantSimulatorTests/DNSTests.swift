import Foundation
import TenantSimulator
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Sends real UDP datagrams to the simulator's DNS server; the query bytes are built here, independently of
/// the simulator's own encoder.
@Suite("DNS", .timeLimit(.minutes(2)))
struct DNSTests {
    struct Answer {
        var id: UInt16
        var rcode: Int
        var answerCount: Int
        var txt: [String]
    }

    static func query(id: UInt16, name: String, type: UInt16 = 16) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xff), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") {
            bytes.append(UInt8(label.utf8.count))
            bytes += Array(label.utf8)
        }
        return bytes + [0, UInt8(type >> 8), UInt8(type & 0xff), 0, 1]
    }

    /// Sends one datagram and waits up to two seconds for the reply.
    static func exchange(_ datagram: [UInt8], port: Int) throws -> [UInt8] {
        #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        #else
            let fd = socket(AF_INET, SOCK_DGRAM, 0)
        #endif
        guard fd >= 0 else { throw HarnessError(message: "socket failed") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, datagram, datagram.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard sent == datagram.count else { throw HarnessError(message: "sendto failed") }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let received = recv(fd, &buffer, buffer.count, 0)
        guard received > 0 else { throw HarnessError(message: "no DNS reply") }
        return Array(buffer[0..<received])
    }

    /// Parses a reply: header, skips the question, reads TXT answers (name as a compression pointer or labels).
    static func parse(_ bytes: [UInt8]) throws -> Answer {
        func u16(_ offset: Int) -> Int { Int(bytes[offset]) << 8 | Int(bytes[offset + 1]) }
        func skipName(_ offset: inout Int) {
            while bytes[offset] != 0 {
                if bytes[offset] & 0xc0 == 0xc0 {
                    offset += 2
                    return
                }
                offset += Int(bytes[offset]) + 1
            }
            offset += 1
        }
        guard bytes.count >= 12 else { throw HarnessError(message: "short reply") }
        let flags = u16(2)
        var offset = 12
        for _ in 0..<u16(4) {
            skipName(&offset)
            offset += 4
        }
        var txt: [String] = []
        for _ in 0..<u16(6) {
            skipName(&offset)
            let type = u16(offset)
            let length = u16(offset + 8)
            offset += 10
            if type == 16 {
                var position = offset
                var text = ""
                while position < offset + length {
                    let count = Int(bytes[position])
                    text += String(decoding: bytes[position + 1..<position + 1 + count], as: UTF8.self)
                    position += 1 + count
                }
                txt.append(text)
            }
            offset += length
        }
        return Answer(id: UInt16(u16(0)), rcode: flags & 0xf, answerCount: u16(6), txt: txt)
    }

    @Test("TXT queries over UDP answer SPF records; unknown names get NXDOMAIN; records change in process")
    func txtOverUDP() async throws {
        try await Harness.run { harness async throws in
            let port = try #require(harness.endpoints.dnsPort)
            let seeded = try Self.parse(Self.exchange(Self.query(id: 0x1234, name: "contoso.com"), port: port))
            #expect(seeded.id == 0x1234)
            #expect(seeded.rcode == 0)
            #expect(seeded.txt == ["v=spf1 include:spf.protection.outlook.com -all"])

            let unknown = try Self.parse(Self.exchange(Self.query(id: 7, name: "nowhere.example"), port: port))
            #expect(unknown.rcode == 3)
            #expect(unknown.answerCount == 0)

            let spf = "v=spf1 include:spf.protection.outlook.com include:_spf-us.ppe-hosted.com -all"
            let long = String(repeating: "a", count: 300)
            harness.simulator.setTXTRecords([spf, long], for: "Contoso.com.")
            let changed = try Self.parse(Self.exchange(Self.query(id: 8, name: "CONTOSO.COM"), port: port))
            #expect(changed.txt == [spf, long])

            // MX: a tenant's domain has Microsoft's until it is moved; a name with TXT only has none.
            let mx = try Self.parse(Self.exchange(Self.query(id: 9, name: "contoso.com", type: 15), port: port))
            #expect(mx.rcode == 0)
            #expect(mx.answerCount == 1)
            #expect(mx.txt.isEmpty)
            let none = try Self.parse(Self.exchange(Self.query(id: 11, name: "_spf-us.ppe-hosted.com", type: 15), port: port))
            #expect(none.rcode == 0 && none.answerCount == 0)

            // Garbage gets FORMERR (or nothing), and the server keeps answering.
            _ = try? Self.exchange([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 63], port: port)
            #expect(try Self.parse(Self.exchange(Self.query(id: 10, name: "contoso.com"), port: port)).rcode == 0)
            #expect((harness.simulator.snapshot().routeCounts["dns QUERY TXT"] ?? 0) >= 4)
        }
    }
}
