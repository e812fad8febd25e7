/// The claims of tokens already checked, so a token used for many calls is verified once.
///
/// A reference inside the `World` value, touched only while the world's lock is held.
final class VerifiedTokens: @unchecked Sendable {
    var claims: [String: World.TokenClaims] = [:]
}
