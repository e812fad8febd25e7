internal import CResolv
import Foundation
import NIOPosix

/// DNS TXT and MX lookups through glibc's resolver (`res_nquery`), optionally aimed at one name
/// server (`host:port`), so tests query the simulator's DNS server through the same code path that
/// production uses with `/etc/resolv.conf`.
public struct DNSResolver: Sendable {
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
            let answer = try DNSResolver.query(name, type: Int32(ns_t_txt.rawValue), nameserver: nameserver)
            return try DNSResolver.texts(of: answer, name: name)
        }
    }

    /// The mail exchangers of `name`, lower-cased without the trailing dot, lowest preference first;
    /// empty when it has none or does not exist.
    ///
    /// - Throws: ``ServiceError`` `transient` when the server does not answer.
    public func mxRecords(_ name: String) async throws -> [String] {
        let nameserver = self.nameserver
        return try await NIOThreadPool.singleton.runIfActive {
            let answer = try DNSResolver.query(name, type: Int32(ns_t_mx.rawValue), nameserver: nameserver)
            return try DNSResolver.exchanges(of: answer, name: name)
        }
    }

    /// The raw answer to one question; empty when the name or its records do not exist.
    static func query(_ name: String, type: Int32, nameserver: String?) throws -> [UInt8] {
        var server: String?
        var port: Int32 = 53
        if let nameserver {
            let parts = nameserver.split(separator: ":")
            server = String(parts[0])
            if parts.count > 1 { port = Int32(parts[1]) ?? 53 }
        }
        var answer = [UInt8](repeating: 0, count: 65_536)
        var hostError: Int32 = 0
        let length = cresolv_query(name, type, server, port, &answer, Int32(answer.count), &hostError)
        if length == -2 {
            throw ServiceError(
                .badRequest, service: .dns, message: "The DNS resolver could not be set up for name server '\(nameserver ?? "system")'.")
        }
        if length < 0 {
            if hostError == HOST_NOT_FOUND || hostError == NO_DATA { return [] }
            throw ServiceError(
                .transient, service: .dns, message: "The DNS lookup of \(name) failed (resolver error \(hostError)); it will be tried again.")
        }
        return Array(answer.prefix(Int(length)))
    }

    /// The TXT strings of an answer.
    static func texts(of answer: [UInt8], name: String) throws -> [String] {
        guard !answer.isEmpty else { return [] }
        var records: [String] = []
        var text = [CChar](repeating: 0, count: 4096)
        var index: Int32 = 0
        while true {
            let count = cresolv_txt_answer(answer, Int32(answer.count), index, &text, Int32(text.count))
            if count == -1 { break }
            if count == -2 {
                throw ServiceError(.invalidResponse, service: .dns, message: "The DNS answer for \(name) could not be parsed.")
            }
            if count > 0 { records.append(String(decoding: text.prefix(Int(count)).map { UInt8(bitPattern: $0) }, as: UTF8.self)) }
            index += 1
        }
        return records
    }

    /// The exchanges of an MX answer, by preference.
    static func exchanges(of answer: [UInt8], name: String) throws -> [String] {
        guard !answer.isEmpty else { return [] }
        var records: [(preference: Int32, host: String)] = []
        var host = [CChar](repeating: 0, count: 1025)
        var preference: Int32 = 0
        var index: Int32 = 0
        while true {
            let count = cresolv_mx_answer(answer, Int32(answer.count), index, &host, Int32(host.count), &preference)
            if count == -1 { break }
            if count == -2 {
                throw ServiceError(.invalidResponse, service: .dns, message: "The DNS answer for \(name) could not be parsed.")
            }
            if count > 0 {
                let text = String(decoding: host.prefix(Int(count)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                records.append((preference, text.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))))
            }
            index += 1
        }
        return records.sorted { $0.preference < $1.preference }.map(\.host)
    }
}

/// The resolver's former name, from when it answered TXT questions only.
@available(*, deprecated, renamed: "DNSResolver")
public typealias TXTResolver = DNSResolver
