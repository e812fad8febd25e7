import Foundation

/// A type-erased task: the graph stores these so tasks with different outputs live side by side.
struct AnyTask: Sendable {
    let id: TaskID
    let version: Int
    let dependencies: [TaskID]
    let dependencySet: Set<TaskID>
    let requiredPermissions: Set<Permission>
    let effect: TaskEffect
    let retryPolicy: RetryPolicy
    /// Whether the output is ``NoOutput`` (a skip then needs no supplied output).
    let hasNoOutput: Bool
    /// The output type, for messages (named only when one is shown: naming costs a reflection).
    let outputType: any (Codable & Sendable).Type
    var outputTypeName: String { String(describing: outputType) }
    let run: @Sendable (TaskContext) async throws -> [UInt8]
    let observe: @Sendable (TaskContext) async throws -> Observation
    /// Throws when `bytes` do not decode as the task's output type.
    let validateOutput: @Sendable ([UInt8]) throws -> Void

    init<T: OnboardingTask>(_ task: T) {
        id = task.id
        version = task.version
        dependencies = task.dependencies
        dependencySet = Set(task.dependencies)
        requiredPermissions = task.requiredPermissions
        effect = task.effect
        retryPolicy = task.retryPolicy
        hasNoOutput = T.Output.self == NoOutput.self
        outputType = T.Output.self
        run = { context in try JSONCoding.encode(try await task.run(context)) }
        observe = { context in try await task.observe(context) }
        validateOutput = { bytes in _ = try JSONCoding.decode(T.Output.self, from: bytes) }
    }
}

/// The one JSON configuration used for everything the journal stores: sorted keys, ISO dates.
package enum JSONCoding {
    // Shared: creating a coder per value costs more than encoding a small output.
    // swift-foundation's coders are Sendable and safe to use from many threads.
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// `NoOutput` as JSON; most tasks return it, so it skips the encoder.
    package static let noOutput: [UInt8] = Array("{}".utf8)

    package static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        if T.self == NoOutput.self { return noOutput }  // a metadata comparison, not a dynamic cast
        return Array(try encoder.encode(value))
    }

    package static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        if type == NoOutput.self, bytes == noOutput, let empty = NoOutput() as? T { return empty }
        return try decoder.decode(type, from: Data(bytes))
    }

    package static func string<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }
}

extension JSONCoding {
    /// The graph's descriptors as JSON (sorted keys), as the journal stores them: the bytes
    /// `JSONEncoder` writes for them (sorted keys, slashes unescaped), written directly. The
    /// encoder's generic path cost about 20 instructions per byte, 40,000 per task of a chain run,
    /// whose graph is journaled when it starts; `JSONCodingTests` compares the two.
    package static func graphJSON(_ descriptors: [TaskDescriptor]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(descriptors.count * 96)
        out.append(UInt8(ascii: "["))
        for (index, descriptor) in descriptors.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            // Keys in sorted order: dependencies, effect, id, requiredPermissions, version.
            out.append(contentsOf: #"{"dependencies":"#.utf8)
            appendArray(descriptor.dependencies.map(\.rawValue), to: &out)
            out.append(contentsOf: #","effect":"#.utf8)
            appendString(descriptor.effect.rawValue, to: &out)
            out.append(contentsOf: #","id":"#.utf8)
            appendString(descriptor.id.rawValue, to: &out)
            out.append(contentsOf: #","requiredPermissions":"#.utf8)
            appendArray(descriptor.requiredPermissions.map(\.name), to: &out)
            out.append(contentsOf: #","version":"#.utf8)
            out.append(contentsOf: String(descriptor.version).utf8)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
        return String(decoding: out, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func appendArray(_ strings: [String], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (index, string) in strings.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendString(string, to: &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    /// A JSON string as `JSONEncoder` escapes it with `.withoutEscapingSlashes`: `"` and `\\`,
    /// the short escapes for backspace, form feed, newline, return and tab, `\u00XX` for other
    /// control characters; everything else as its UTF-8 bytes.
    private static func appendString(_ string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x00..<0x20:
                out.append(contentsOf: Array(#"\u00"#.utf8))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
