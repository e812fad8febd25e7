import Foundation

/// Writes `--json` output: sorted keys, ISO 8601 dates, absent optional fields omitted.
enum JSONOutput {
    /// The encoder every `--json` output uses.
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    /// The decoder that reads it back (for tests and scripts written in Swift).
    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    /// Prints `value` as JSON on stdout.
    static func print<T: Encodable>(_ value: T) throws {
        let data = try encoder().encode(value)
        Swift.print(String(decoding: data, as: UTF8.self))
    }
}
