import Foundation
import Synchronization

/// Removes secrets from text that came from a server before it becomes part of an error, so that
/// nothing secret reaches the journal, `onboard show`, `--json` or the logs, whatever a server
/// sends back (an error page that echoes the request, say).
///
/// Two passes: the values of this run's credentials (the client secret, the Essentials password,
/// and every token and client assertion used since), raw and in the encodings a server may echo
/// them in; then anything that looks like a secret: `client_secret=…`, `password: …`,
/// `Bearer …`, a JWT.
final class SecretRedactor: Sendable {
    /// What replaces a secret.
    static let mark = "[redacted]"
    /// Values shorter than this are not searched for: they would blank ordinary words.
    static let shortestSecret = 6
    /// How many tokens and assertions are remembered (the newest).
    static let rememberedSecrets = 64

    /// The credentials' forms, worked out once.
    private let fixed: [String]

    /// The remembered secrets, newest last. Their encoded forms are worked out only when a text
    /// is scrubbed (an error is being built), not for every token a run receives.
    private let recent = Mutex<[(secret: String, forms: [String]?)]>([])

    /// A redactor for `secrets` (empty ones are ignored).
    init(secrets: [String]) {
        fixed = secrets.filter { $0.utf8.count >= Self.shortestSecret }.flatMap(Self.encodings(of:))
    }

    /// Adds a secret used later (a token, a signed assertion).
    func remember(_ secret: String) {
        guard secret.utf8.count >= Self.shortestSecret else { return }
        recent.withLock { values in
            guard !values.contains(where: { $0.secret == secret }) else { return }
            values.append((secret, nil))
            if values.count > Self.rememberedSecrets { values.removeFirst(values.count - Self.rememberedSecrets) }
        }
    }

    /// `text` with every known secret and every secret-looking value replaced.
    func scrub(_ text: String) -> String {
        var text = text
        let remembered = recent.withLock { values in
            for index in values.indices where values[index].forms == nil {
                values[index].forms = Array(Self.encodings(of: values[index].secret))
            }
            return values.flatMap { $0.forms ?? [] }
        }
        for form in fixed + remembered where text.contains(form) {
            text = text.replacingOccurrences(of: form, with: Self.mark)
        }
        return Self.scrubPatterns(text)
    }

    /// A short, single-line, scrubbed excerpt of a server's text, for an error message: at most
    /// `limit` characters, with `…` when cut.
    func excerpt(_ text: some StringProtocol, limit: Int = 300) -> String {
        // Scrub a bounded prefix, then cut: a secret at the prefix's edge is cut away with it.
        let prefix = String(text.prefix(16 * 1024))
        let single = String(
            String.UnicodeScalarView(
                prefix.unicodeScalars.map { CharacterSet.controlCharacters.contains($0) ? " " : $0 }))
        let scrubbed = scrub(single).split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        return scrubbed.count <= limit && text.count <= prefix.count ? scrubbed : String(scrubbed.prefix(limit)) + "…"
    }

    /// An excerpt of a body's bytes, read as UTF-8.
    func excerpt(_ bytes: [UInt8], limit: Int = 300) -> String {
        excerpt(String(decoding: bytes.prefix(16 * 1024), as: UTF8.self), limit: limit)
    }

    /// The forms a server may echo `secret` in: as sent, form- or percent-encoded, JSON- or
    /// HTML-escaped.
    static func encodings(of secret: String) -> Set<String> {
        var forms: Set<String> = [secret, queryEscaped(secret)]
        if let encoded = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics) { forms.insert(encoded) }
        forms.insert(secret.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "/", with: "\\/")
            .replacingOccurrences(of: "\"", with: "\\\""))
        forms.insert(secret.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;"))
        forms.insert(secret.replacingOccurrences(of: " ", with: "+"))
        return forms
    }

    /// Names whose value is a secret, in a form (`name=value`), JSON (`"name": "value"`) or a header (`Name: value`).
    private static let keyed =
        #"(?i)(client_secret|client_assertion|access_token|refresh_token|id_token|x-password|password|passwd|secret|api[_-]?key)(["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s"'&,;<>]+)"#
    /// A credential after an authorization scheme.
    private static let scheme = #"(?i)\b(Bearer|Basic)(\s+)[A-Za-z0-9._~+/=-]+"#
    /// A JWT, or the start of one: a base64url JSON header (`eyJ…`) and up to two more parts.
    private static let jwt = #"eyJ[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*){0,2}"#

    /// The patterns, compiled once. `Regex` values are immutable and safe to share.
    nonisolated(unsafe) private static let compiled: [Regex<AnyRegexOutput>] = [keyed, scheme].compactMap { try? Regex($0) }
    nonisolated(unsafe) private static let compiledJWT = try? Regex(jwt)
    /// Words without which no pattern can match: most texts skip the regular expressions.
    private static let triggers = ["secret", "assertion", "token", "passw", "pwd", "key", "bearer", "basic", "eyj"]

    static func scrubPatterns(_ text: String) -> String {
        let lowered = text.lowercased()
        guard triggers.contains(where: { lowered.contains($0) }) else { return text }
        var text = text
        for regex in compiled {
            // Both patterns capture the name and the separator; the keyed one also the value.
            text = text.replacing(regex) { match -> String in
                let output = match.output
                let name = String(output[1].substring ?? "")
                let separator = String(output[2].substring ?? "")
                var quote = ""
                if output.count > 3, let first: Character = output[3].substring?.first, first == "\"" || first == "'" {
                    quote = String(first)
                }
                return name + separator + quote + mark + quote
            }
        }
        if let regex = compiledJWT { text = text.replacing(regex, with: mark) }
        return text
    }
}
