import Foundation
import Subprocess
import Synchronization
import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process a test starts, signals and waits for: `onboard`, a crash harness, a worker
/// that a test kills with `SIGKILL`.
///
/// It is spawned and awaited by swift-subprocess, not Foundation's `Process`: waiting suspends
/// the caller instead of blocking a thread of the cooperative pool (a test that hosts a
/// simulator for its child would otherwise starve it), nothing polls, and the child inherits
/// no file descriptor of the test process but its three standard streams.
///
/// ```swift
/// let worker = try await ChildProcess.start(
///     "/usr/local/bin/onboard", arguments: ["serve", "--journal", path], standardOutput: .file(logPath))
/// worker.send(SIGKILL)
/// #expect(try await worker.exitStatus() == 128 + SIGKILL)
/// ```
public final class ChildProcess: Sendable {
    /// Where a child's standard output or error goes.
    public enum Output: Sendable {
        /// Nowhere (`/dev/null`).
        case discarded
        /// A file at this path, created or emptied first.
        case file(String)
    }

    /// The child's process id, valid until it has exited and been waited for.
    public let processIdentifier: pid_t
    private let termination: Task<Int32, any Error>
    private let exited: Exited

    private init(processIdentifier: pid_t, termination: Task<Int32, any Error>, exited: Exited) {
        self.processIdentifier = processIdentifier
        self.termination = termination
        self.exited = exited
    }

    /// Starts `executable` with `arguments`, with `environment` added to this process's.
    ///
    /// - Parameters:
    ///   - standardInput: Bytes the child reads on its standard input, then end of file;
    ///     `nil` gives it `/dev/null`.
    ///   - standardOutput: Where its standard output goes.
    ///   - standardError: Where its standard error goes.
    /// - Throws: When the executable cannot be started.
    public static func start(
        _ executable: String, arguments: [String] = [], environment: [String: String] = [:],
        standardInput: [UInt8]? = nil, standardOutput: Output = .discarded, standardError: Output = .discarded
    ) async throws -> ChildProcess {
        let input = try inputDescriptor(standardInput)
        let output: FileDescriptor
        let error: FileDescriptor
        do {
            output = try descriptor(for: standardOutput)
        } catch {
            try? input.close()
            throw error
        }
        do {
            error = try descriptor(for: standardError)
        } catch let failure {
            try? input.close()
            try? output.close()
            throw failure
        }
        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            .map { Array("\($0.key)=\($0.value)\0".utf8) }  // each entry a C string, as `environ` holds them
        let exited = Exited()
        let (started, startedContinuation) = AsyncThrowingStream<pid_t, any Error>.makeStream()
        let termination = Task<Int32, any Error> {
            defer { exited.set() }
            do {
                let result = try await Subprocess.run(
                    .path(FilePath(executable)), arguments: Arguments(arguments), environment: .custom(variables),
                    input: .fileDescriptor(input, closeAfterSpawningProcess: true),
                    output: .fileDescriptor(output, closeAfterSpawningProcess: true),
                    error: .fileDescriptor(error, closeAfterSpawningProcess: true)
                ) { execution in
                    startedContinuation.yield(execution.processIdentifier.value)
                    startedContinuation.finish()
                }
                switch result.terminationStatus {
                case .exited(let code): return code
                case .signaled(let signal): return 128 + signal
                }
            } catch {
                startedContinuation.finish(throwing: error)
                throw error
            }
        }
        var iterator = started.makeAsyncIterator()
        guard let pid = try await iterator.next() else { throw CancellationError() }
        return ChildProcess(processIdentifier: pid, termination: termination, exited: exited)
    }

    /// Whether the child has not yet exited (or has not yet been waited for).
    public var isRunning: Bool { !exited.isSet }

    /// Sends `signal` (`SIGKILL`, `SIGTERM`, …) to the child if it is still running.
    public func send(_ signal: Int32) {
        if isRunning { kill(processIdentifier, signal) }
    }

    /// Waits, without blocking a thread, until the child exits, and returns its exit status: the
    /// code it exited with, or 128 + the signal that killed it (as a shell reports it).
    public func exitStatus() async throws -> Int32 {
        try await termination.value
    }

    private static func inputDescriptor(_ bytes: [UInt8]?) throws -> FileDescriptor {
        guard let bytes else { return try FileDescriptor.open("/dev/null", .readOnly, options: .closeOnExec) }
        // A file, not a pipe: the child reads it all whenever it wants, and nothing here must
        // keep writing.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("stdin-\(UUID().uuidString)").path
        let file = try FileDescriptor.open(
            path, .readWrite, options: [.create, .exclusiveCreate, .closeOnExec], permissions: .ownerReadWrite)
        defer { unlink(path) }
        do {
            _ = try file.writeAll(bytes)
            _ = try file.seek(offset: 0, from: .start)
        } catch {
            try? file.close()
            throw error
        }
        return file
    }

    private static func descriptor(for output: Output) throws -> FileDescriptor {
        switch output {
        case .discarded:
            return try FileDescriptor.open("/dev/null", .writeOnly, options: .closeOnExec)
        case .file(let path):
            return try FileDescriptor.open(
                path, .writeOnly, options: [.create, .truncate, .closeOnExec], permissions: .ownerReadWrite)
        }
    }
}

/// Whether a child has exited, set once by the task that waits for it.
private final class Exited: Sendable {
    private let state = Mutex(false)
    func set() { state.withLock { $0 = true } }
    var isSet: Bool { state.withLock { $0 } }
}
