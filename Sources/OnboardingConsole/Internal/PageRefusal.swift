import Hummingbird

/// The page a refused form gets (not signed in, no CSRF token, not allowed to act).
struct PageRefusal: Error {
    /// The answer to send.
    let response: Response
}
