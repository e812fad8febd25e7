import Foundation
import OnboardingEngineTesting

#if canImport(Glibc)
    import Glibc
#endif

/// `chromedriver --port=P` as a child process for the browser test, and the Chromium it starts;
/// ``stop()`` ends both by process id (the browser's processes are found by the user-data folder
/// of this test, which no other process names), also when the test failed half-way.
final class ChromeDriverProcess: Sendable {
    /// Debian's paths for `chromium` and `chromium-driver`.
    static let chromium = "/usr/bin/chromium"
    static let driver = "/usr/bin/chromedriver"

    let process: ChildProcess
    let port: Int
    /// Chromium's profile folder: unique to this test, so its processes can be told apart.
    let profile = FileManager.default.temporaryDirectory.appendingPathComponent("onboard-chromium-\(UUID().uuidString)")
    let log = FileManager.default.temporaryDirectory.appendingPathComponent(
        "onboard-chromedriver-\(UUID().uuidString).log")

    var endpoint: String { "http://127.0.0.1:\(port)" }

    /// Why the browser test cannot run here, or `nil` when Chromium and its driver are installed.
    static var missing: String? {
        let absent = [chromium, driver].filter { !FileManager.default.isExecutableFile(atPath: $0) }
        return absent.isEmpty
            ? nil
            : "\(absent.joined(separator: " and ")) not installed (Debian: apt-get install chromium chromium-driver)"
    }

    init() async throws {
        port = try Self.freePort()
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process = try await ChildProcess.start(Self.driver, arguments: ["--port=\(port)", "--log-path=\(log.path)"])
    }

    /// The capabilities of a headless Chromium that runs as root in a container.
    var capabilities: [String: Any] {
        [
            "browserName": "chrome",
            "goog:chromeOptions": [
                "binary": Self.chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1400,1000",
                    "--user-data-dir=\(profile.path)", "--no-first-run", "--disable-extensions", "--hide-scrollbars",
                ],
            ] as [String: Any],
        ]
    }

    /// Waits until the driver answers, up to `seconds`.
    func waitUntilReady(seconds: Double = 30) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        var problem = "no answer"
        while Date() < deadline {
            do {
                if try await WebDriver.isReady(endpoint: endpoint) { return }
                problem = "not ready"
            } catch {
                problem = "\(error)"
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw WebDriver.Failure(description: "chromedriver did not start (\(problem)): \(driverLog)")
    }

    var driverLog: String {
        String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self).suffix(2_000).description
    }

    /// Ends the browser (every process whose command line names this test's profile) and the driver.
    func stop() async {
        for pid in Self.processes(naming: profile.path) { kill(pid, SIGKILL) }
        process.send(SIGTERM)
        let stopped = Task { try await process.exitStatus() }
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        process.send(SIGKILL)
        _ = try? await stopped.value
        for pid in Self.processes(naming: profile.path) { kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(at: profile)
        try? FileManager.default.removeItem(at: log)
    }

    /// The ids of the processes whose command line contains `text`.
    static func processes(naming text: String) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry in
            guard let pid = pid_t(entry), pid != getpid(),
                let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
            else { return nil }
            let line = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            return line.contains(text) ? pid : nil
        }
    }

    /// A TCP port on loopback that nothing listens on now.
    static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
