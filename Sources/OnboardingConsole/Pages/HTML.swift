import Foundation

/// Escaping for the console's pages: every value a page shows (a tenant's name, an error, a
/// reason someone typed) goes through ``escape(_:)`` before it is written into HTML.
public enum HTML {
    /// `text` safe inside an element or a quoted attribute value: `&`, `<`, `>`, `"` and `'` become
    /// character references, and control characters other than tab and newline are dropped.
    ///
    /// ```swift
    /// HTML.escape("<script>alert('x')</script>")  // "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
    /// ```
    public static func escape(_ text: some StringProtocol) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\t", "\n": result.unicodeScalars.append(scalar)
            default:
                // Control characters (and the C1 block) have no business in a page.
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) { continue }
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// `text` as one path segment of a URL: everything but unreserved characters percent-encoded
    /// (a child run's id holds a `/`, which must stay inside its segment).
    public static func pathSegment(_ text: some StringProtocol) -> String {
        String(text).addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    /// `pairs` as a URL query (`a=1&b=two%20words`).
    public static func query(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(pathSegment($0.0))=\(pathSegment($0.1))" }.joined(separator: "&")
    }

    private static let unreserved: CharacterSet = {
        var set = CharacterSet()
        set.insert(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        return set
    }()
}
