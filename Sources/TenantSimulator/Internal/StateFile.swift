import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// The file a persistent simulator keeps its world in: read once at start, rewritten after every
/// change (to a temporary file, then renamed), so a process killed at any moment leaves the last
/// answered change on disk and never half a file.
struct StateFile: Sendable {
    let path: String
    let logger: Logger

    /// Restores `world` from the file, or writes the file when there is none yet.
    func load(into world: inout World) throws {
        guard FileManager.default.fileExists(atPath: path) else { return try save(world) }
        let saved: PersistedWorld
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            saved = try decoder.decode(PersistedWorld.self, from: data)
        } catch {
            throw SimulatorError(
                .stateFile, "\(path) is not a TenantSimulator state file, or is damaged (\(error)); it was left as it is.")
        }
        try saved.restore(into: &world, from: path)
    }

    /// Writes `world`'s changing parts, readable by the owner only.
    func save(_ world: World) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(PersistedWorld(world))
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600])
        else {
            throw SimulatorError(.stateFile, "Could not write the simulator state file \(temporary).")
        }
        guard rename(temporary, path) == 0 else {
            throw SimulatorError(.stateFile, "Could not replace the simulator state file \(path) (errno \(errno)).")
        }
    }

    /// Saves, logging instead of throwing: a change already answered cannot be taken back.
    func saveOrLog(_ world: World) {
        do { try save(world) } catch { logger.error("simulator state not saved", metadata: ["error": "\(error)"]) }
    }
}
