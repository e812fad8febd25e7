import Foundation
import Testing

/// Every ```swift block in README.md, Docs/*.md and the DocC catalogs' own pages stands, line for
/// line, in this target's sources, which the build compiles (and whose tests run), or in the
/// `Examples/CustomTask` package, which CI builds and tests: a sample that stops compiling, or is
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

    /// The catalogs' folders: `Sources/MODULE/MODULE.docc`.
    static func catalogs() throws -> [URL] {
        let sources = root.appendingPathComponent("Sources")
        return try FileManager.default.contentsOfDirectory(at: sources, includingPropertiesForKeys: nil)
            .map { $0.appendingPathComponent("\($0.lastPathComponent).docc") }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// Every `.swift` file under `folder`, at any depth, but its `.build`.
    static func swiftFiles(under folder: URL) -> [URL] {
        let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        return files.filter { $0.pathExtension == "swift" && !$0.path.contains("/.build/") }
    }

    @Test func everySampleInTheDocsIsInThisTarget() throws {
        // The catalogs' articles are links to Docs/ (see below): only their own pages are read here.
        let pages = try Self.catalogs().flatMap { catalog in
            try FileManager.default.contentsOfDirectory(at: catalog, includingPropertiesForKeys: nil)
                .filter { $0.pathExtension == "md" && (try? FileManager.default.destinationOfSymbolicLink(atPath: $0.path)) == nil }
        }
        let documents = [Self.root.appendingPathComponent("README.md")]
            + (try FileManager.default.contentsOfDirectory(
                at: Self.root.appendingPathComponent("Docs"), includingPropertiesForKeys: nil
            ).filter { $0.pathExtension == "md" }) + pages
        let files = Self.swiftFiles(under: URL(fileURLWithPath: #filePath).deletingLastPathComponent())
            .filter { $0.lastPathComponent != "DocSamplesAreCompiledTests.swift" }
            + Self.swiftFiles(under: Self.root.appendingPathComponent("Examples/CustomTask"))
        let sources = try files.map { Self.normalized(try String(contentsOf: $0, encoding: .utf8)) }
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
                #expect(found, "\(document.lastPathComponent): the sample starting '\(lines[0])' is not in Tests/DocSamplesTests or Examples/CustomTask")
            }
        }
        #expect(samples >= 9, "the docs' samples were found: \(samples)")
    }

    /// Support staff read ResumingFailedOnboardings.md for the commands: the engine calls (for host
    /// developers) come after every `onboard` command, never before them.
    @Test func theSupportPageGivesTheCommandsBeforeAnyEngineCall() throws {
        let page = try String(contentsOf: Self.root.appendingPathComponent("Docs/ResumingFailedOnboardings.md"), encoding: .utf8)
        let lines = page.split(separator: "\n", omittingEmptySubsequences: false)
        let lastCommand = try #require(lines.lastIndex { $0.contains("onboard ") })
        let firstCall = lines.firstIndex { $0.contains("engine.") } ?? lines.endIndex
        #expect(lastCommand < firstCall, "line \(firstCall + 1) shows an engine call before the command on line \(lastCommand + 1)")
    }

    /// Each guide has one copy, in Docs/ (where GitHub shows it and the README links it); the DocC
    /// catalogs hold it as an article through a symbolic link, so the two cannot differ.
    @Test func everyGuideIsAnArticleOfOneCatalogThroughALinkToItsOneCopy() throws {
        let guides = Set(
            try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("Docs").path)
                .filter { $0.hasSuffix(".md") })
        var linked: [String: [String]] = [:]
        for catalog in try Self.catalogs() {
            let module = catalog.deletingPathExtension().lastPathComponent
            #expect(FileManager.default.fileExists(atPath: catalog.appendingPathComponent("\(module).md").path), "\(module) has a landing page")
            for name in try FileManager.default.contentsOfDirectory(atPath: catalog.path) where name.hasSuffix(".md") {
                guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: catalog.appendingPathComponent(name).path)
                else { continue }
                #expect(target == "../../../Docs/\(name)", "\(module).docc/\(name) links \(target), not its copy in Docs/")
                #expect(guides.contains(name), "\(module).docc/\(name) links no guide")
                // DocC takes an article's title from its first line, which must be a level-one heading.
                let text = (try? String(contentsOf: catalog.appendingPathComponent(name), encoding: .utf8)) ?? ""
                #expect(text.hasPrefix("# "), "\(name) does not start with a title (# …), so DocC would not take it as an article")
                linked[name, default: []].append(module)
            }
        }
        #expect(try Self.catalogs().count == 2, "OnboardingEngine and EssentialsOnboarding have catalogs")
        for guide in guides.sorted() {
            #expect(linked[guide]?.count == 1, "Docs/\(guide) is an article of \(linked[guide] ?? []), not of exactly one catalog")
        }
    }
}
