import Foundation
@testable import OnboardingEngine
import OnboardingEngineTesting
import Testing

/// A confirmation sent to an owner that stopped before it read it is applied by the next resume.
/// That resume deletes the message; the confirmation must then be in the task's row, or a process
/// that dies between the resume and its runner's first commit loses it and the run waits forever
/// for a person who already confirmed (what the PostgreSQL chaos test once saw).
@Suite("A confirmation a resume took from the journal's messages")
struct LeftMessageResumeTests {
    @Test(arguments: BackendKind.available)
    func survivesAProcessThatDiesBeforeItsRunnerCommits(_ kind: BackendKind) async throws {
        try await BackendFixture.with(kind) { fixture in
            let engine = try await fixture.engine(owner: "host-a:1:a")
            let notes = Counter()
            let graph = try TaskGraph(workflow: "w", tasks: [approval(notingIn: notes)])
            #expect(try await engine.start(graph, id: "r", input: Empty()).state == .waiting)
            // A worker took the parked run; the person confirms while it holds it (a message for it)…
            try await fixture.rawSQL(
                "UPDATE runs SET state = 'running', lease_owner = 'gone-host:1:x', lease_expires_at = 99999999999 WHERE id = 'r'")
            #expect(try await engine.confirm("approve", in: "r", actor: "pat", note: "approved") == .sent(owner: "gone-host:1:x"))
            // …and the worker is killed before reading it; its lease lapses.
            try await fixture.rawSQL("UPDATE runs SET lease_expires_at = 1 WHERE id = 'r'")

            // The next resume takes the run and the message, and its process dies before the runner
            // journals anything (only the resume's own transaction happened).
            let prepared = try await engine.prepareResume("r", graph: graph, options: ResumeOptions())
            #expect(prepared.records.first?.confirmation?.note == "approved")
            let approve = try #require(try await engine.tasks(of: "r").first)
            #expect(approve.state == .waiting)
            #expect(approve.confirmation?.note == "approved", "the confirmation is journaled with the resume that took its message")

            // Once that lease lapses too, a fresh engine finishes the run with the confirmation.
            try await fixture.rawSQL("UPDATE runs SET lease_expires_at = 1 WHERE id = 'r'")
            let other = try await fixture.engine(owner: "host-b:2:b")
            #expect(try await other.resume("r", graph: graph).state == .succeeded)
            #expect(notes.log == ["approved"])
        }
    }
}
