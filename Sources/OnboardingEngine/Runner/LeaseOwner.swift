package import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reasoning about who holds a run's lease.
///
/// Owner ids have the form `host:pid:suffix`. A lease is live until it expires, except that an
/// owner on this same host whose process no longer exists is known to be dead: its lease is
/// taken over at once, so resuming after a crash or `kill -9` does not wait for the expiry.
/// (A recycled pid makes the owner look alive, which only means waiting for the expiry.)
package enum LeaseOwner {
    package static func isLive(owner: String?, expiresAt: Date?, now: Date, self ownID: String) -> Bool {
        guard let owner, owner != ownID, let expiresAt, expiresAt > now else { return false }
        return !isDeadLocalProcess(owner)
    }

    package static func isDeadLocalProcess(_ owner: String) -> Bool {
        let parts = owner.split(separator: ":")
        guard parts.count >= 3, let pid = Int32(parts[parts.count - 2]), pid > 0 else { return false }
        let host = parts[0..<(parts.count - 2)].joined(separator: ":")
        guard host == ProcessInfo.processInfo.hostName else { return false }
        if pid == getpid() { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }
}
