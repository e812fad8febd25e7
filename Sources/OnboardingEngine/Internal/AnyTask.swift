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
    /// The graph's descriptors as JSON (sorted keys), as the journal stores them.
    package static func graphJSON(_ descriptors: [TaskDescriptor]) -> String {
        // Descriptors hold only strings, numbers and arrays of them: encoding cannot fail.
        (try? string(descriptors)) ?? "[]"
    }
}
