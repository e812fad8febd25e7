import Foundation
import Synchronization

/// The shared, lock-protected state behind a ``Simulator`` and its servers.
final class SimulatorCore: Sendable {
    let world: Mutex<World>
    let endpoints: Mutex<SimulatorEndpoints?> = Mutex(nil)
    /// Where the world is kept between processes, if anywhere.
    let stateFile: StateFile?

    /// A world that lives in this process only.
    init(configuration: SimulatorConfiguration) {
        world = Mutex(World(configuration: configuration))
        stateFile = nil
    }

    /// A world restored from `stateFile` (or saved there first) and kept there.
    init(configuration: SimulatorConfiguration, stateFile: StateFile) throws {
        var world = World(configuration: configuration)
        try stateFile.load(into: &world)
        self.world = Mutex(world)
        self.stateFile = stateFile
    }

    /// Changes the world under the lock and, for a persistent simulator, saves it before the
    /// change is answered.
    func change<T>(_ body: (inout World) throws -> T) rethrows -> T {
        try world.withLock { world in
            let result = try body(&world)
            stateFile?.saveOrLog(world)
            return result
        }
    }

    /// Changes the world for a request and, for a persistent simulator, saves it before answering;
    /// when the save fails (a full disk), the change is undone and the request answered 503, as
    /// a service that could not commit does: nothing is answered that would be lost on restart.
    func changeOrRefuse(_ body: (inout World) -> SimReply) -> SimReply {
        world.withLock { world in
            guard let stateFile else { return body(&world) }
            let before = world
            let reply = body(&world)
            do {
                try stateFile.save(world)
                return reply
            } catch {
                world = before
                stateFile.logger.error("simulator state not saved; change refused", metadata: ["error": "\(error)"])
                return .json(
                    503,
                    ["error": "unavailable", "message": "The simulator could not save its state file, so the change was not made. Free disk space and try again."],
                    headers: [("Retry-After", "5")])
            }
        }
    }

    /// Answers one HTTP request. Faults and latency are decided under the lock, applied outside it.
    func respond(to request: SimRequest) async -> SimReply {
        if request.segments.first == "_simulator" {
            return request.method == "GET"
                ? world.withLock { $0.handleSimulator(request) } : change { $0.handleSimulator(request) }
        }
        let (service, route) = World.classify(request)
        let (sequence, faulted) = world.withLock {
            $0.admit(service: service, request: request, route: route)
        }
        if let faulted, faulted.delay > .zero {
            try? await Task.sleep(for: faulted.delay)
        }
        var reply: SimReply
        if let faulted, faulted.status != -1 {
            reply = faulted
        } else {
            // Reads leave the world as it was, except the admin-consent page, which grants; a
            // persistent simulator saves after everything else, before answering.
            if request.method == "GET" && !route.hasSuffix("adminconsent") {
                reply = world.withLock { $0.dispatch(request, service: service) }
            } else {
                reply = changeOrRefuse { $0.dispatch(request, service: service) }
            }
        }
        let fault = faulted?.fault
        world.withLock { $0.finish(sequence: sequence, status: reply.drop ? 0 : reply.status, fault: fault) }
        reply.fault = fault
        return reply
    }

    /// The records of `name` of the asked type, `nil` when the name does not exist (NXDOMAIN).
    func dnsLookup(_ name: String, type: UInt16) -> DNSMessage.Records? {
        world.withLock { world in
            world.routeCounts["dns QUERY \(DNSMessage.typeName(type))", default: 0] += 1
            let key = World.dnsKey(name)
            let txt = world.dnsRecords[key]
            let mx = world.mxRecords[key]
            guard txt != nil || mx != nil else { return nil }
            return DNSMessage.Records(txt: txt ?? [], mx: mx ?? [])
        }
    }
}
