import Foundation
import Synchronization

/// The shared, lock-protected state behind a ``TenantSimulator`` and its servers.
final class SimulatorCore: Sendable {
    let world: Mutex<World>
    let endpoints: Mutex<SimulatorEndpoints?> = Mutex(nil)

    init(configuration: SimulatorConfiguration) {
        world = Mutex(World(configuration: configuration))
    }

    /// Answers one HTTP request. Faults and latency are decided under the lock, applied outside it.
    func respond(to request: SimRequest) async -> SimReply {
        if request.segments.first == "_simulator" {
            return world.withLock { $0.handleSimulator(request) }
        }
        let (service, route) = World.classify(request)
        let (sequence, faulted) = world.withLock {
            $0.admit(service: service, method: request.method, path: request.path, route: route)
        }
        if let faulted, faulted.delay > .zero {
            try? await Task.sleep(for: faulted.delay)
        }
        var reply: SimReply
        if let faulted, faulted.status != -1 {
            reply = faulted
        } else {
            reply = world.withLock { $0.dispatch(request, service: service) }
        }
        let fault = faulted?.fault
        world.withLock { $0.finish(sequence: sequence, status: reply.drop ? 0 : reply.status, fault: fault) }
        reply.fault = fault
        return reply
    }

    func dnsLookup(_ name: String) -> [String]? {
        world.withLock { world in
            world.routeCounts["dns QUERY TXT", default: 0] += 1
            return world.dnsRecords[World.dnsKey(name)]
        }
    }
}
