import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OnboardingConsole
import OnboardingEngine
import Testing

/// `GET /api/runs/{id}/events`: the timeline as server-sent events, replayed and then followed.
@Suite("The console's event stream")
struct ConsoleEventsTests {
    /// The `id:` and `event:`/`data:` of each event of a `text/event-stream` body.
    static func events(_ text: String) -> [(id: Int64, action: String)] {
        text.components(separatedBy: "\n\n").compactMap { block in
            var id: Int64?
            var action: String?
            for line in block.split(separator: "\n") {
                if line.hasPrefix("id: ") { id = Int64(line.dropFirst(4)) }
                if line.hasPrefix("data: "),
                    let object = try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any]
                {
                    action = object["action"] as? String
                }
            }
            guard let id, let action else { return nil }
            return (id, action)
        }
    }

    @Test func anEndedRunIsReplayedAfterTheLastEventID() async throws {
        let fixture = try ConsoleFixture()
        try await fixture.start("r1", mode: "fail", tenant: "contoso")
        let history = try await fixture.engine.history(of: "r1")
        try await fixture.withClient { client in
            try await client.execute(uri: "/api/runs/r1/events", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/api/runs/ghost/events", method: .get, headers: bob) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: "/api/runs/r1/events", method: .get, headers: bob) { response throws in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/event-stream; charset=utf-8")
                let text = String(buffer: response.body)
                #expect(text.hasPrefix("retry: 3000\n\n"))
                let events = Self.events(text)
                #expect(events.map(\.id) == history.map(\.sequence))
                #expect(events.map(\.action) == history.map(\.action))
                #expect(text.contains("event: journal\n"))
            }
            let third = history[2].sequence
            try await client.execute(
                uri: "/api/runs/r1/events", method: .get,
                headers: bob + [HTTPField.Name("Last-Event-ID")!: String(third)]
            ) { response throws in
                #expect(Self.events(String(buffer: response.body)).map(\.id) == history.dropFirst(3).map(\.sequence))
            }
            try await client.execute(uri: "/api/runs/r1/events?after=\(third)", method: .get, headers: bob) {
                response throws in
                #expect(Self.events(String(buffer: response.body)).map(\.id) == history.dropFirst(3).map(\.sequence))
            }
        }
    }

    @Test func aLiveRunsNewEventsFollowTheReplay() async throws {
        let fixture = try ConsoleFixture()
        try await fixture.start("r2", mode: "wait", tenant: "fabrikam")
        let replayed = try await fixture.engine.history(of: "r2")
        try await fixture.withClient { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    // The stream stays open while the run waits; it ends when the run is cancelled.
                    try await client.execute(uri: "/api/runs/r2/events", method: .get, headers: alice) {
                        response throws in
                        let events = Self.events(String(buffer: response.body))
                        #expect(Array(events.prefix(replayed.count).map(\.id)) == replayed.map(\.sequence))
                        #expect(events.last?.action == "run.cancelled")
                        #expect(events.count > replayed.count)
                    }
                }
                group.addTask {
                    // Once the stream has read the journal, something happens to the run.
                    try await Task.sleep(for: .milliseconds(300))
                    _ = try await fixture.engine.cancel("r2", actor: "carol", reason: "customer left")
                }
                try await group.waitForAll()
            }
        }
    }
}
