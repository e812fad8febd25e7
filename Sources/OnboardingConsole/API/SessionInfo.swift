import Foundation

/// Who is signed in: `POST /api/session` (with the session's CSRF token) and `GET /api/session`.
struct SessionInfo: Encodable {
    var user: String
    var role: String
    var csrfToken: String?
    var expiresAt: Date?

    init(user: ConsoleUser, csrfToken: String?, expiresAt: Date?) {
        self.user = user.name
        self.role = user.role.rawValue
        self.csrfToken = csrfToken
        self.expiresAt = expiresAt
    }
}
