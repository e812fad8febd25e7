import AsyncHTTPClient
import Foundation
import TenantSimulator
import Testing

@Suite("Scripted faults", .timeLimit(.minutes(2)))
struct FaultTests {
    @Test("throttling answers 429 with Retry-After in Graph's shape, for the scripted count only")
    func throttle() async throws {
        try await Harness.run { harness async throws in
            let token = try await harness.consentedGraphToken()
            harness.simulator.inject(
                Fault(.graph, method: "GET", route: "/users", kind: .throttle(retryAfterSeconds: 7), trigger: .times(2))
            )
            for _ in 0..<2 {
                let answer = try await harness.graph("/users", token: token)
                #expect(answer.status == 429)
                #expect(answer.headers.first(name: "Retry-After") == "7")
                #expect(answer.json?["error"]?["code"] == "TooManyRequests")
            }
            #expect(try await harness.graph("/users", token: token).status == 200)
            #expect(try await harness.graph("/domains", token: token).status == 200)
            #expect(harness.simulator.requestCount(.graph, "GET", "/users") == 3)
            let faulted = harness.simulator.requests().filter { $0.fault == "throttle" }
            #expect(faulted.count == 2)
        }
    }

    @Test("503 for Exchange cmdlets in Exchange's shape")
    func unavailable() async throws {
        try await Harness.run { harness async throws in
            let token = try await harness.exchangeReadyToken()
            harness.simulator.inject(
                Fault(.exchange, route: "New-InboundConnector", kind: .serviceUnavailable(retryAfterSeconds: 2)))
            let answer = try await harness.exchange("New-InboundConnector", ExchangeTests.inbound, token: token)
            #expect(answer.status == 503)
            #expect(answer.headers.first(name: "Retry-After") == "2")
            #expect(answer.json?["error"]?["details"] != nil)
            #expect(harness.simulator.snapshot().tenants[0].inboundConnectors.isEmpty)
            #expect(
                try await harness.exchange("New-InboundConnector", ExchangeTests.inbound, token: token).status == 200)
        }
    }

    @Test("added latency delays the answer")
    func latency() async throws {
        try await Harness.run { harness async throws in
            harness.simulator.inject(Fault(.essentials, kind: .latency(.milliseconds(300))))
            let slow = try await Self.timed { try await harness.essentials("/orgs/contoso.com").status }
            #expect(slow.0 == 200)
            #expect(slow.1 >= .milliseconds(300))
            // The fault was spent: the second answer is not delayed (checked in the log, not by the wall clock,
            // which a loaded machine makes unreliable).
            #expect(try await harness.essentials("/orgs/contoso.com").status == 200)
            #expect(harness.simulator.requests().map(\.fault) == ["latency", nil])
        }
    }

    static func timed<T>(_ body: () async throws -> T) async throws -> (T, Duration) {
        let clock = ContinuousClock()
        let start = clock.now
        let value = try await body()
        return (value, clock.now - start)
    }

    @Test("a dropped connection closes without an answer, and the next request succeeds")
    func dropConnection() async throws {
        try await Harness.run { harness async throws in
            harness.simulator.inject(Fault(.identity, route: "/token", kind: .dropConnection))
            try harness.simulator.grantConsent(GraphPermission.allGraph)
            await #expect(throws: (any Error).self) { _ = try await harness.tokenAnswer() }
            #expect(try await harness.tokenAnswer().status == 200)
            let records = harness.simulator.requests().filter { $0.route == "/token" }
            #expect(records.map(\.status) == [0, 200])
        }
    }

    @Test("a non-JSON 403 body")
    func nonJSONForbidden() async throws {
        try await Harness.run { harness async throws in
            let token = try await harness.exchangeReadyToken()
            harness.simulator.inject(Fault(.exchange, kind: .nonJSONForbidden))
            let answer = try await harness.exchange("Get-InboundConnector", token: token)
            #expect(answer.status == 403)
            #expect(answer.json == nil)
            #expect(answer.headers.first(name: "Content-Type")?.hasPrefix("text/html") == true)
        }
    }

    @Test("probabilistic faults follow the seed: same seed, same hits")
    func probabilistic() async throws {
        var runs: [[Int]] = []
        for _ in 0..<2 {
            try await Harness.run(.configured { $0.seed = 77 }) { harness async throws in
                harness.simulator.inject(Fault(.essentials, kind: .serviceUnavailable(), trigger: .probability(0.5)))
                var statuses: [Int] = []
                for _ in 0..<20 { statuses.append(try await harness.essentials("/orgs/contoso.com").status) }
                runs.append(statuses)
            }
        }
        #expect(runs[0] == runs[1])
        #expect(runs[0].contains(503))
        #expect(runs[0].contains(200))
    }

    @Test("removed faults stop applying")
    func removeFault() async throws {
        try await Harness.run { harness async throws in
            let id = harness.simulator.inject(
                Fault(.essentials, kind: .throttle(retryAfterSeconds: 1), trigger: .always))
            #expect(try await harness.essentials("/orgs/contoso.com").status == 429)
            #expect(try await harness.essentials("/orgs/contoso.com").status == 429)
            harness.simulator.removeFault(id)
            #expect(try await harness.essentials("/orgs/contoso.com").status == 200)
        }
    }
}
