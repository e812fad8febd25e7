import Foundation

/// A request with its body collected, independent of the HTTP library.
struct SimRequest: Sendable {
    var method: String
    /// The path without query, percent-decoded.
    var path: String
    /// Query parameters, percent-decoded (`+` stays a plus, as in URLs).
    var query: [String: String]
    /// Header values by lower-cased name.
    var headers: [String: String]
    var body: [UInt8]

    init(method: String, path: String, rawQuery: String?, headers: [String: String], body: [UInt8]) {
        self.method = method
        self.path = path.removingPercentEncoding ?? path
        self.query = Self.decodeForm(rawQuery ?? "", plusIsSpace: false)
        self.headers = headers
        self.body = body
    }

    /// Splits the path into non-empty segments.
    var segments: [String] { path.split(separator: "/", omittingEmptySubsequences: true).map(String.init) }

    /// Parses `application/x-www-form-urlencoded` text.
    static func decodeForm(_ text: String, plusIsSpace: Bool = true) -> [String: String] {
        var result: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ raw: Substring) -> String {
                let spaced = plusIsSpace ? raw.replacingOccurrences(of: "+", with: " ") : String(raw)
                return spaced.removingPercentEncoding ?? spaced
            }
            let key = decode(parts[0])
            if result[key] == nil { result[key] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return result
    }

    static func percentEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
