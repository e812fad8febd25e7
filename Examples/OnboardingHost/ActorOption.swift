import ArgumentParser
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The `--actor` option of support actions: who acts, as recorded in the journal's timeline.
struct ActorOption: ParsableArguments {
    @Option(
        help: "Who acts, recorded in the journal (default: your user name, from $USER, $LOGNAME or the passwd entry).")
    var actor: String?

    /// The actor to record: `--actor`, else the OS user name.
    var name: String { actor ?? ActorOption.userName() }

    func validate() throws {
        if let actor, actor.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--actor must not be empty.")
        }
    }

    /// The OS user name: `$USER`, `$LOGNAME`, or the passwd entry of the real user id.
    static func userName() -> String {
        let environment = ProcessInfo.processInfo.environment
        for key in ["USER", "LOGNAME"] {
            if let name = environment[key], !name.isEmpty { return name }
        }
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name {
            return String(cString: name)
        }
        return "uid-\(getuid())"
    }
}
