import Foundation
import Testing

/// Every ```swift block in README.md and Docs/*.md stands, line for line, in this target's
/// sources, which the build compiles (and whose tests run): a sample that stops compiling, or is
/// edited in the docs only, fails here.
@Suite("The docs' code samples are compiled")
struct DocSamplesAreCompiledTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A sample's lines as compared: trimmed, without blank lines and `import`s (which stand at a file's top).
    static func normalized(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("import ") }
    }

    static func swiftBlocks(in markdown: String) -> [String] {
        var blocks: [String] = []
        var current: [Substring]?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line.hasPrefix("```swift") {
                current = []
            } else if current != nil, line.hasPrefix("```") {
                blocks.append(current!.joined(separator: "\n"))
                current = nil
            } else {
                current?.append(line)
            }
        }
        return blocks
    }

    @Test func everySampleInTheDocsIsInThisTarget() throws {
        let documents = [Self.root.appendingPathComponent("README.md")]
            + (try FileManager.default.contentsOfDirectory(
                at: Self.root.appendingPathComponent("Docs"), includingPropertiesForKeys: nil
            ).filter { $0.pathExtension == "md" })
        let sources = try FileManager.default.contentsOfDirectory(
            at: URL(fileURLWithPath: #filePath).deletingLastPathComponent(), includingPropertiesForKeys: nil
        ).filter { $0.pathExtension == "swift" && $0.lastPathComponent != "DocSamplesAreCompiledTests.swift" }
            .map { Self.normalized(try String(contentsOf: $0, encoding: .utf8)) }
        var samples = 0
        for document in documents {
            for block in Self.swiftBlocks(in: try String(contentsOf: document, encoding: .utf8)) {
                let lines = Self.normalized(block)
                guard !lines.isEmpty else { continue }
                samples += 1
                let found = sources.contains { source in
                    source.count >= lines.count
                        && (0...(source.count - lines.count)).contains { Array(source[$0..<$0 + lines.count]) == lines }
                }
                #expect(found, "\(document.lastPathComponent): the sample starting '\(lines[0])' is not in Tests/DocSamplesTests")
            }
        }
        #expect(samples >= 9, "the docs' samples were found: \(samples)")
    }
}
