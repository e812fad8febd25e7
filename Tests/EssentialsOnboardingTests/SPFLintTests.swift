import EssentialsOnboarding
import EssentialsOnboardingTesting
import Foundation
import OnboardingEngine
import Testing
import TenantSimulator

/// The lint's logic against a table of DNS answers, and the SPF gate end to end against the
/// simulator's DNS server.
@Suite("SPF lint: the gate passes only records that receivers will accept")
struct SPFLintTests {
    static let essentials = "include:_spf-us.ppe-hosted.com"
    static let providers: [String: [String]] = [
        "spf.protection.outlook.com": ["v=spf1 ip4:40.92.0.0/15 -all"],
        "_spf-us.ppe-hosted.com": ["v=spf1 ip4:67.231.152.0/24 -all"],
    ]

    /// `problems(of: "example.com")` with `records` for it and `extra` names besides the providers'.
    static func problems(_ records: [String], extra: [String: [String]] = [:]) async throws -> [String] {
        let zone = providers.merging(extra) { $1 }.merging(["example.com": records]) { $1 }
        let lint = SPFLint(essentialsMechanisms: [essentials]) { zone[$0.lowercased()] ?? [] }
        return try await lint.problems(of: "example.com")
    }

    @Test func aGoodRecordPasses() async throws {
        #expect(try await Self.problems(["v=spf1 include:spf.protection.outlook.com include:_spf-us.ppe-hosted.com -all"]).isEmpty)
        #expect(try await Self.problems(["v=spf1 mx include:_spf-us.ppe-hosted.com ~all", "google-site-verification=x"]).isEmpty)
    }

    @Test(arguments: [
        ([String](), "no SPF record"),
        (["v=spf1 include:_spf-us.ppe-hosted.com -all", "v=spf1 include:spf.protection.outlook.com -all"], "2 SPF records"),
        (["v=spf1 include:spf.protection.outlook.com -all"], "does not authorize Essentials"),
        (["v=spf1 include:_spf-us.ppe-hosted.com +all"], "`+all`"),
        (["v=spf1 include:_spf-us.ppe-hosted.com all"], "`all`, which lets any server"),
        (["v=spf1 include:_spf-us.ppe-hosted.com"], "no `all` term"),
        (["v=spf1 include:_spf-us.ppe-hosted.com include:gone.example -all"], "gone.example, which has no SPF record"),
    ])
    func eachProblemIsNamed(_ records: [String], _ expected: String) async throws {
        let problems = try await Self.problems(records)
        #expect(problems.contains { $0.contains(expected) }, "\(problems)")
    }

    @Test func elevenLookupsThroughNestedIncludesFailAndTenPass() async throws {
        // Essentials (1) + n1 (1), in n1: a, mx (2) + n2 (1), in n2: ptr, exists (2) + n3 (1), in n3: a (1) = 9.
        let nested: [String: [String]] = [
            "n1.example": ["v=spf1 a mx include:n2.example -all"],
            "n2.example": ["v=spf1 ptr exists:%{i}.x.example include:n3.example -all"],
            "n3.example": ["v=spf1 a -all"],
        ]
        let ten = try await Self.problems(["v=spf1 include:_spf-us.ppe-hosted.com include:n1.example -all"], extra: nested)
        #expect(ten.isEmpty, "9 lookups: \(ten)")
        let withTen = try await Self.problems(["v=spf1 mx include:_spf-us.ppe-hosted.com include:n1.example -all"], extra: nested)
        #expect(withTen.isEmpty, "10 lookups is the limit, not past it: \(withTen)")
        let eleven = try await Self.problems(
            ["v=spf1 a mx include:_spf-us.ppe-hosted.com include:n1.example -all"], extra: nested)
        #expect(eleven.contains { $0.contains("needs 11 DNS lookups") }, "\(eleven)")
    }

    @Test func aRedirectCountsAndIsFollowed() async throws {
        let problems = try await Self.problems(
            ["v=spf1 include:_spf-us.ppe-hosted.com redirect=r.example"], extra: ["r.example": ["v=spf1 include:missing.example -all"]])
        #expect(!problems.contains { $0.contains("no `all` term") }, "a redirect stands for the all term: \(problems)")
        #expect(problems.contains { $0.contains("missing.example") }, "…and its record is read: \(problems)")
    }

    @Test func anIncludeLoopIsFoundNotFollowedForever() async throws {
        let problems = try await Self.problems(
            ["v=spf1 include:_spf-us.ppe-hosted.com include:x.example -all"],
            extra: ["x.example": ["v=spf1 include:y.example -all"], "y.example": ["v=spf1 include:x.example -all"]])
        #expect(problems.contains { $0.contains("loop (example.com → x.example → y.example → x.example)") }, "\(problems)")
    }

    @Test func threeVoidLookupsAreTooMany() async throws {
        let problems = try await Self.problems(
            ["v=spf1 include:_spf-us.ppe-hosted.com include:v1.example include:v2.example include:v3.example -all"])
        #expect(problems.contains { $0.contains("3 of its lookups find nothing") }, "\(problems)")
    }

    @Test func theGateWaitsWithWhatToChangePerDomainThenPasses() async throws {
        try await SimulatedTenant.with { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph)
            let simulator = tenant.simulator
            // Two records on one domain; eleven lookups through nested includes on the other.
            simulator.setTXTRecords(
                ["v=spf1 include:spf.protection.outlook.com -all", "v=spf1 include:_spf-us.ppe-hosted.com -all"], for: "contoso.com")
            for index in 1...4 {
                simulator.setTXTRecords(["v=spf1 a mx include:n\(index + 1).mail.example -all"], for: "n\(index).mail.example")
            }
            simulator.setTXTRecords(["v=spf1 -all"], for: "n5.mail.example")
            simulator.setTXTRecords(
                ["v=spf1 include:spf.protection.outlook.com include:_spf-us.ppe-hosted.com include:n1.mail.example -all"],
                for: "mail.contoso.com")
            let parked = try await tenant.engine.start(
                tenant.graph, id: "r", input: tenant.input, options: RunOptions(maxIdleWait: .zero))
            let message = try #require(parked.task("spf-check")?.park?.message)
            #expect(message.contains("contoso.com: it has 2 SPF records"), "\(message)")
            #expect(message.contains("mail.contoso.com: it needs 15 DNS lookups"), "\(message)")
            #expect(parked.task("enable-outbound-connector")?.state == .pending, "outbound stays off")

            tenant.updateSPF()
            try await tenant.enableRelay(run: "r")
            let done = try await tenant.engine.resume("r", graph: tenant.graph, options: ResumeOptions(maxIdleWait: .seconds(5)))
            #expect(done.state == .succeeded, "\(done.tasks.filter { $0.state != .succeeded }.map { "\($0.id) \($0.park?.message ?? "")" })")
        }
    }
}
