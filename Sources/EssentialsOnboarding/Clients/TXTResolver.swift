internal import CResolv
import Foundation
import NIOPosix

/// DNS TXT lookups through glibc's resolver (`res_nquery`), optionally aimed at one name server
/// (`host:port`), so tests query the simulator's DNS server through the same code path that
/// production uses with `/etc/resolv.conf`.
public struct TXTResolver: Sendable {
    /// The server as `ipv4:port`, or `nil` for the system configuration.
    public var nameserver: String?

    /// Creates a resolver.
    public init(nameserver: String? = nil) { self.nameserver = nameserver }

    /// The TXT strings of `name` (each record's strings joined); empty when it has none or does not exist.
    ///
    /// - Throws: ``ServiceError`` `transient` when the server does not answer.
    public func txtRecords(_ name: String) async throws -> [String] {
        let nameserver = self.nameserver
        // res_nquery blocks: run it on NIO's thread pool, not on the cooperative pool.
        return try await NIOThreadPool.singleton.runIfActive {
            try TXTResolver.query(name, nameserver: nameserver)
        }
    }

    static func query(_ name: String, nameserver: String?) throws -> [String] {
        var server: String?
        var port: Int32 = 53
        if let nameserver {
            let parts = nameserver.split(separator: ":")
            server = String(parts[0])
            if parts.count > 1 { port = Int32(parts[1]) ?? 53 }
        }
        var answer = [UInt8](repeating: 0, count: 65_536)
        var hostError: Int32 = 0
        let length = cresolv_query_txt(name, server, port, &answer, Int32(answer.count), &hostError)
        if length == -2 {
            throw ServiceError(
                .badRequest, service: .dns, message: "The DNS resolver could not be set up for name server '\(nameserver ?? "system")'.")
        }
        if length < 0 {
            if hostError == HOST_NOT_FOUND || hostError == NO_DATA { return [] }
            throw ServiceError(
                .transient, service: .dns, message: "The DNS lookup of \(name) failed (resolver error \(hostError)); it will be tried again.")
        }
        var records: [String] = []
        var text = [CChar](repeating: 0, count: 4096)
        var index: Int32 = 0
        while true {
            let count = cresolv_txt_answer(answer, length, index, &text, Int32(text.count))
            if count == -1 { break }
            if count == -2 {
                throw ServiceError(.invalidResponse, service: .dns, message: "The DNS answer for \(name) could not be parsed.")
            }
            if count > 0 { records.append(String(decoding: text.prefix(Int(count)).map { UInt8(bitPattern: $0) }, as: UTF8.self)) }
            index += 1
        }
        return records
    }
}
