import ArgumentParser
import Foundation
import OnboardingEngine

/// `onboard journal copy --from SRC --to DST`: copies every run of a journal into another, empty
/// one — an SQLite file into PostgreSQL when several hosts are to share the work, back again, or
/// file to file — with the engine's ``JournalCopy``.
struct JournalCopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy every run of a journal into an empty one: a file into PostgreSQL, back, or file to file.",
        discussion: """
            SRC and DST are each a file's path or postgres://user@host:port/database (the password from PGPASSWORD \
            or ~/.pgpass, never the URL). The source is only read: a file is opened read-only (one of an older schema \
            is refused, not upgraded). A destination file that does not exist is created (and removed again if the \
            copy fails); a database must exist and gets the journal's tables when it is empty. A destination that \
            holds any run is refused (exit 10).

            Every run is copied with its graph, input, options, state and timers, its tasks (outputs, checkpoints, \
            errors, park reasons, confirmations), its timeline (same order, actors, times and reasons) and the \
            messages waiting for it, in one transaction: each stored value is checked against its checksum as it \
            is read (a damaged one stops the copy, exit 4, naming the run), each run is read back from the \
            destination and compared before the commit, and nothing is written unless everything is. Leases and \
            worker heartbeats are not copied: no process holds a copied run. The copy is refused while a worker \
            serves the source or a live process holds a run of it (exit 6): stop them first, and make no changes \
            to the source while it copies. The demo tenant files of demo runs are copied into the destination's \
            demo folder.

            \(ExitStatus.helpText)
            """)

    @Option(help: "The journal to copy: a file, or postgres://user@host:port/database.")
    var from: String

    @Option(
        help: """
            The journal to copy into, which must hold no run: a file (created when missing), or \
            postgres://user@host:port/database (an existing database).
            """)
    var to: String

    @Flag(help: "Print JSON (schema: Docs/SupportTool.md).")
    var json = false

    /// Refuses a URL with a password, or one that is not a PostgreSQL URL, before anything is opened.
    func validate() throws {
        do {
            _ = try JournalLocation(from, source: "--from")
            _ = try JournalLocation(to, source: "--to")
        } catch let error as ValidationFailure {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        let source = try JournalLocation(from, source: "--from")
        let destination = try JournalLocation(to, source: "--to")
        var created: String?
        if case .file(let path) = destination, !FileManager.default.fileExists(atPath: path) { created = path }
        let result: JournalCopyResult
        do {
            result = try await Self.copy(from: source, to: destination)
        } catch {
            // A file this command created holds no run: it goes, so the next attempt starts afresh.
            if let created {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: created + suffix) }
            }
            throw error
        }
        var warnings: [String] = []
        let tenants = Self.copyDemoTenants(result.demoTenants, warnings: &warnings)
        for warning in warnings { FileHandle.standardError.write(Data("onboard: \(warning)\n".utf8)) }
        var output = result
        output.demoTenantFiles = tenants
        if json { return try JSONOutput.print(output) }
        print(
            "Copied \(output.runs.count) run(s) (\(output.tasks) task(s), \(output.events) event(s), \(output.messages) waiting message(s)) from \(output.from) to \(output.to)."
        )
        print("Each run was read back from the destination and matches the source (rows and checksums).")
        if tenants > 0, let folder = result.demoTenants.first?.destination.deletingLastPathComponent() {
            print("Copied \(tenants) demo tenant file(s) into \(folder.path).")
        }
        print("Use it with: onboard runs --journal \(output.to)")
    }

    /// Opens both journals (the source first, only to read), copies, and closes them.
    private static func copy(from source: JournalLocation, to destination: JournalLocation) async throws
        -> JournalCopyResult
    {
        let reading = try await HostJournal.open(source, access: .readingAsIs, logger: HostJournal.quiet)
        do {
            let writing = try await HostJournal.open(destination, access: .creating, logger: HostJournal.quiet)
            do {
                let report = try await reading.copy(to: writing)
                let tenants = try await demoTenants(of: report.runs, in: reading, to: writing.demoFolder)
                let result = JournalCopyResult(
                    from: reading.location, to: writing.location, runs: report.runs.map(\.rawValue),
                    tasks: report.tasks, events: report.events, messages: report.messages, demoTenants: tenants)
                await writing.close()
                await reading.close()
                return result
            } catch {
                await writing.close()
                throw error
            }
        } catch {
            await reading.close()
            throw error
        }
    }

    /// The demo tenant files of `runs` (journaled by name, found in the source's demo folder) and
    /// where they go in `folder`, the destination's.
    private static func demoTenants(of runs: [RunID], in journal: HostJournal, to folder: URL) async throws
        -> [JournalCopyResult.TenantFile]
    {
        let engine = journal.engine()
        var files: [JournalCopyResult.TenantFile] = []
        for run in runs {
            let input = try? await engine.run(run).decodeInput(as: M365Host.RunInput.self)
            // A state file journaled by its absolute path (older runs) stays where it is.
            guard let name = input?.demo?.stateFile, !name.hasPrefix("/") else { continue }
            files.append(
                JournalCopyResult.TenantFile(
                    source: journal.demoFolder.appendingPathComponent(name),
                    destination: folder.appendingPathComponent(name)))
        }
        return files
    }

    /// Copies each tenant file that exists where it is and not yet where it goes; returns how many
    /// were copied. A file that cannot be copied is a warning: the journal itself was copied.
    private static func copyDemoTenants(_ files: [JournalCopyResult.TenantFile], warnings: inout [String]) -> Int {
        var copied = 0
        for file in files {
            let manager = FileManager.default
            guard manager.fileExists(atPath: file.source.path), !manager.fileExists(atPath: file.destination.path)
            else {
                continue
            }
            do {
                try manager.createDirectory(
                    at: file.destination.deletingLastPathComponent(), withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700])
                try manager.copyItem(at: file.source, to: file.destination)
                copied += 1
            } catch {
                warnings.append(
                    "the journal was copied, but the demo tenant file \(file.source.path) could not be copied to \(file.destination.path) (\(FileProblem.describe(error))); copy it by hand to resume that demo run from the copy."
                )
            }
        }
        return copied
    }
}

/// `onboard journal copy --json` (schema in `Docs/SupportTool.md`).
struct JournalCopyResult: Codable, Equatable {
    /// A demo run's tenant file, and where the copy's demo runs look for it.
    struct TenantFile: Equatable {
        var source: URL
        var destination: URL
    }

    /// Bumped only for incompatible changes; new fields may be added within a version.
    var schemaVersion = 1
    /// The source and the destination, as `--journal` takes them (a URL without a password).
    var from: String
    var to: String
    /// The runs copied, oldest first.
    var runs: [String]
    var tasks: Int
    var events: Int
    /// Confirmations, signals and cancels that were waiting for their runs' owners.
    var messages: Int
    /// How many demo tenant files were copied into the destination's demo folder.
    var demoTenantFiles = 0
    /// The demo runs' tenant files (not printed).
    var demoTenants: [TenantFile] = []

    enum CodingKeys: String, CodingKey {
        case schemaVersion, from, to, runs, tasks, events, messages, demoTenantFiles
    }
}
