import Foundation

/// A decoding failure in words a person can act on, without Swift's type or coding-key names.
enum DecodingProblem {
    /// What is wrong with the JSON, e.g. "the field 'domains' is missing" or "it is not valid JSON".
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "it could not be read" }
        switch error {
        case .keyNotFound(let key, let context):
            return "the field '\(path(context.codingPath + [key]))' is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let at = path(context.codingPath)
            return at.isEmpty ? "it has the wrong shape" : "the field '\(at)' has the wrong type or is null"
        case .dataCorrupted(let context):
            let at = path(context.codingPath)
            return at.isEmpty ? "it is not valid JSON" : "the field '\(at)' has a value that is not allowed"
        @unknown default:
            return "it could not be read"
        }
    }

    /// `domains[2].name` for a coding path.
    private static func path(_ keys: [any CodingKey]) -> String {
        keys.reduce(into: "") { text, key in
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
    }
}
