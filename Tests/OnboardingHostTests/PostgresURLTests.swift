import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What `onboard` does with a PostgreSQL URL before it reaches a journal: a password in it is
/// refused without being repeated, and a server that cannot be reached is one line and exit 4.
/// Needs no PostgreSQL server.
@Suite("onboard with a PostgreSQL URL it cannot use", .serialized)
struct PostgresURLTests {
    /// Every command that opens the journal, with `RUN` for a run's id.
    static let commands: [[String]] = [
        ["runs"], ["runs", "--json"], ["show", "RUN"], ["graph", "--run", "RUN"], ["permissions", "--run", "RUN"],
        ["demo"], ["start", "--tenant", "t", "--org", "o", "--simulator", "http://127.0.0.1:9"], ["serve"],
        ["resume", "RUN"], ["retry", "RUN", "import-domains"], ["skip", "RUN", "import-domains", "--reason", "x"],
        ["confirm", "RUN", "admin-consent"], ["signal", "RUN"], ["cancel", "RUN"], ["plan", "--run", "RUN"],
        ["drift", "RUN"], ["prune", "--older-than", "90d"],
    ]

    static let password = "hunter2-in-the-url"

    /// Names of Swift types and modules that must never reach a person.
    static let typeNames = [
        "PSQLError", "NIO", "IOError", "ChannelError", "JournalError", "EngineError", "Optional(", "Swift.",
    ]

    /// A loopback port nothing listens on: bound, then closed again.
    static func closedPort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        #expect(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test(arguments: commands)
    func aURLWithAPasswordIsRefusedWithoutRepeatingIt(_ command: [String]) async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let url = "postgres://onboarding:\(Self.password)@127.0.0.1:5432/onboarding"
        let environment = ["XDG_STATE_HOME": journal.folder.path]
        let arguments = command.map { $0 == "RUN" ? "some-run" : $0 }
        for (how, result) in await [
            ("--journal", try runOnboard(arguments + ["--journal", url], environment: environment)),
            (
                "ONBOARD_JOURNAL",
                try runOnboard(arguments, environment: environment.merging(["ONBOARD_JOURNAL": url]) { $1 })
            ),
        ] {
            #expect(result.status == 64, "\(how) \(command): \(result.output)")
            #expect(result.stdout.isEmpty, "\(how) \(command): \(result.stdout)")
            #expect(result.stderr.contains("carries a password"), "\(how) \(command): \(result.stderr)")
            #expect(!result.output.contains(Self.password), "\(how) \(command): the password was repeated")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: journal.folder.path).isEmpty, "nothing written")
    }

    @Test func aURLThatIsNotOneIsAUsageError() async throws {
        let result = try await runOnboard(["runs", "--journal", "postgres://"])
        #expect(result.status == 64, "\(result.output)")
        #expect(result.stderr.contains("is not a PostgreSQL URL"), "\(result.stderr)")
    }

    @Test(arguments: commands)
    func anUnreachableServerIsOneLineAndExitCode4(_ command: [String]) async throws {
        let journal = try TestJournal()
        defer { journal.remove() }
        let url = "postgres://onboarding@127.0.0.1:\(try Self.closedPort())/onboarding"
        // `start` reads its credentials before it opens the journal.
        let environment = StartCommandTests.environment().merging(["XDG_STATE_HOME": journal.folder.path]) { $1 }
        let result = try await runOnboard(
            command.map { $0 == "RUN" ? "some-run" : $0 } + ["--journal", url], environment: environment, timeout: 30)
        expectOneLineError(result, status: 4, containing: "The PostgreSQL journal at \(url) cannot be reached")
        for name in Self.typeNames {
            #expect(!result.stderr.contains(name), "\(command): \(result.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: journal.folder.path).isEmpty, "nothing written")
    }
}
