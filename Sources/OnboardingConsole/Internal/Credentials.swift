import Crypto
import Foundation
import OnboardingEngine
import Synchronization

/// Who a request comes from: HTTP Basic credentials (checked against the users file, the slow hash
/// cached for a few minutes under a keyed digest so the password is never kept), or a session cookie.
final class Credentials: Sendable {
    /// A signed-in browser session.
    struct Session: Sendable {
        var user: ConsoleUser
        /// Sent back by the page on every state-changing request (`X-CSRF-Token`).
        var csrfToken: String
        var expiresAt: Date
    }

    static let cookieName = "onboard_console_session"
    static let csrfHeader = "X-CSRF-Token"

    let users: UserDirectory
    let clock: any EngineClock
    let sessionLifetime: Duration
    /// Keys the cache of verified Basic credentials; random per process, never leaves it.
    private let cacheKey = SymmetricKey(size: .bits256)
    private let verified = Mutex<[Data: (user: ConsoleUser, until: Date)]>([:])
    private let sessions = Mutex<[String: Session]>([:])
    /// One message per session for the next page it shows (the outcome of an action form).
    private let flashes = Mutex<[String: String]>([:])
    /// Per session, the last bulk action it applied from the bulk page, shown by `GET /bulk/result`
    /// (so reloading the result shows it again instead of applying it again).
    private let bulkResults = Mutex<[String: BulkPage.Applied]>([:])

    init(users: UserDirectory, clock: any EngineClock, sessionLifetime: Duration) {
        self.users = users
        self.clock = clock
        self.sessionLifetime = sessionLifetime
    }

    /// Where passwords are checked: PBKDF2 with hundreds of thousands of rounds takes a core for a
    /// good part of a second, so it runs off Swift's cooperative pool, one check at a time (a flood
    /// of wrong passwords queues here instead of stalling every request and run of the process).
    private static let hashing = DispatchQueue(label: "onboarding-console.password-check")

    /// The user of `Authorization: Basic …`, or `nil` when the header is absent, malformed or wrong.
    func basicUser(_ header: String) async -> ConsoleUser? {
        guard header.lowercased().hasPrefix("basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return await passwordUser(name: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
    }

    /// The name of `Authorization: Basic …`, for counting failed sign-ins; `nil` when it is not Basic.
    static func basicName(_ header: String) -> String? {
        guard header.lowercased().hasPrefix("basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return String(text[..<colon])
    }

    /// The user of `Authorization: Bearer TOKEN` (an ``APIToken`` of the users file), or `nil`.
    func bearerUser(_ header: String) async -> ConsoleUser? {
        guard header.lowercased().hasPrefix("bearer ") else { return nil }
        let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        guard APIToken.name(of: token) != nil else { return nil }
        return await cachedCheck("token\u{0}\(token)") { $0.authenticate(token: token) }
    }

    /// The user `name` if `secret` is their password.
    func user(name: String, secret: String) async -> ConsoleUser? { await passwordUser(name: name, password: secret) }

    /// The user `name` if `password` is theirs (the slow hash off the cooperative pool, its answer
    /// cached for five minutes under a keyed digest).
    func passwordUser(name: String, password: String) async -> ConsoleUser? {
        await cachedCheck("password\u{0}\(name)\u{0}\(password)") { $0.authenticate(name: name, password: password) }
    }

    /// `check` on the users, its answer cached under a keyed digest of `secret` for five minutes.
    private func cachedCheck(_ secret: String, _ check: @escaping @Sendable (UserDirectory) -> ConsoleUser?) async -> ConsoleUser? {
        let digest = Data(HMAC<SHA256>.authenticationCode(for: Data(secret.utf8), using: cacheKey))
        let now = clock.now()
        if let hit = verified.withLock({ $0[digest] }), hit.until > now { return hit.user }
        let users = self.users
        let checked = await withCheckedContinuation { continuation in
            Self.hashing.async { continuation.resume(returning: check(users)) }
        }
        guard let user = checked else { return nil }
        verified.withLock { cache in
            if cache.count > 1_000 { cache = cache.filter { $0.value.until > now } }
            cache[digest] = (user, now.addingTimeInterval(300))
        }
        return user
    }

    /// Starts a session for `user`: its id (the cookie's value) and the session.
    func startSession(for user: ConsoleUser) -> (id: String, session: Session) {
        let id = Self.randomToken()
        let session = Session(
            user: user, csrfToken: Self.randomToken(),
            expiresAt: clock.now().addingTimeInterval(Double(sessionLifetime.components.seconds)))
        let now = clock.now()
        sessions.withLock { all in
            all = all.filter { $0.value.expiresAt > now }
            all[id] = session
        }
        return (id, session)
    }

    /// The live session with cookie value `id`.
    func session(_ id: String) -> Session? {
        let now = clock.now()
        return sessions.withLock { all in
            guard let session = all[id] else { return nil }
            guard session.expiresAt > now else {
                all[id] = nil
                return nil
            }
            return session
        }
    }

    /// Ends the session with cookie value `id`.
    func endSession(_ id: String) {
        _ = sessions.withLock { $0.removeValue(forKey: id) }
        _ = flashes.withLock { $0.removeValue(forKey: id) }
        _ = bulkResults.withLock { $0.removeValue(forKey: id) }
    }

    /// Keeps `message` for the next page session `id` shows.
    func setFlash(_ message: String, session id: String) {
        flashes.withLock { all in
            if all.count > 10_000 { all.removeAll() }
            all[id] = message
        }
    }

    /// The message kept for session `id`, once.
    func takeFlash(session id: String) -> String? { flashes.withLock { $0.removeValue(forKey: id) } }

    /// Keeps `result` as session `id`'s last applied bulk action (replacing the one before); results
    /// of sessions that ended or expired are dropped.
    func keepBulkResult(_ result: BulkPage.Applied, session id: String) {
        let now = clock.now()
        let live = sessions.withLock { $0.filter { $0.value.expiresAt > now }.keys }
        bulkResults.withLock { all in
            all = all.filter { live.contains($0.key) }
            all[id] = result
        }
    }

    /// Session `id`'s last applied bulk action, if it applied one.
    func bulkResult(session id: String) -> BulkPage.Applied? { bulkResults.withLock { $0[id] } }

    /// 32 random bytes, base64url without padding.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Compares two secrets in time that depends only on their lengths.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
