/// Checks a domain's SPF record the way receivers will (RFC 7208), so the outbound connector is
/// enabled only once mail sent through Essentials will pass.
///
/// A record can include Essentials and still fail everywhere: two `v=spf1` records, or more than
/// ten DNS-lookup terms once nested includes are counted, are a PermError at receivers, and
/// outbound mail bounces (550 5.7.x). Each problem comes back as a sentence saying what to change.
///
/// ```swift
/// let lint = SPFLint(essentialsMechanisms: ["include:_spf-us.ppe-hosted.com"]) { try await services.dns.txtRecords($0) }
/// for problem in try await lint.problems(of: "contoso.com") { print(problem) }
/// ```
public struct SPFLint: Sendable {
    /// Receivers allow at most this many DNS-lookup terms (`include`, `a`, `mx`, `ptr`,
    /// `exists`, `redirect`), nested includes counted (RFC 7208 §4.6.4).
    public static let maxLookups = 10
    /// …and at most this many lookups that find nothing.
    public static let maxVoidLookups = 2
    /// The most names read for one domain's check; past it the count is reported as "at least".
    static let maxResolutions = 40

    /// The mechanisms that authorize Essentials; one of them must be in the domain's own record.
    public let essentialsMechanisms: [String]
    /// Reads a name's TXT records.
    public let txt: @Sendable (String) async throws -> [String]

    /// Creates a lint that reads DNS through `txt`.
    public init(essentialsMechanisms: [String], txt: @escaping @Sendable (String) async throws -> [String]) {
        self.essentialsMechanisms = essentialsMechanisms
        self.txt = txt
    }

    /// What is wrong with `domain`'s SPF record for mail sent through Essentials, in words; empty when nothing is.
    public func problems(of domain: String) async throws -> [String] {
        let records = Self.spfRecords(try await txt(domain))
        let example = "v=spf1 include:spf.protection.outlook.com \(essentialsMechanisms.first ?? "include:_spf-us.ppe-hosted.com") -all"
        guard let record = records.first else {
            return ["it has no SPF record: add one, for example `\(example)`"]
        }
        if records.count > 1 {
            return [
                "it has \(records.count) SPF records, which receivers treat as an error (PermError) and reject the mail: merge them into one, for example `\(example)`"
            ]
        }
        var problems: [String] = []
        let terms = Self.terms(of: record)
        let names = Set(terms.map { Self.unqualified($0).lowercased() })
        if !essentialsMechanisms.contains(where: { names.contains($0.lowercased()) }) {
            problems.append("it does not authorize Essentials: add `\(essentialsMechanisms.first ?? "")` before its `all` term")
        }
        let all = terms.last { Self.unqualified($0).lowercased() == "all" }
        let redirects = terms.contains { $0.lowercased().hasPrefix("redirect=") }
        if let all, all == "all" || all.hasPrefix("+") {
            problems.append("it ends with `\(all)`, which lets any server send mail as the domain: use `-all` (or `~all`)")
        } else if all == nil && !redirects {
            problems.append("it has no `all` term: end it with `-all` (or `~all`)")
        }
        var walk = Walk(lookup: txt)
        try await walk.visit(domain, terms: terms, path: [domain.lowercased()])
        if let loop = walk.loop {
            problems.append("its includes go round in a loop (\(loop.joined(separator: " → "))), which receivers treat as an error: remove the include that leads back")
        }
        if walk.lookups > Self.maxLookups {
            problems.append(
                "it needs \(walk.truncated ? "at least " : "")\(walk.lookups) DNS lookups counting nested includes, and receivers allow \(Self.maxLookups) (PermError): remove includes that are no longer used, or replace some with `ip4:` ranges")
        }
        if walk.voids > Self.maxVoidLookups {
            problems.append(
                "\(walk.voids) of its lookups find nothing (\(walk.voidNames.joined(separator: ", "))), and receivers allow \(Self.maxVoidLookups): remove those terms")
        } else if !walk.voidNames.isEmpty {
            problems.append(
                "it includes \(walk.voidNames.joined(separator: ", ")), which has no SPF record (an error at receivers): remove that include")
        }
        return problems
    }

    /// Counts lookups through nested includes and redirects, once per name, and finds loops.
    private struct Walk {
        let lookup: @Sendable (String) async throws -> [String]
        var lookups = 0
        var voids = 0
        var voidNames: [String] = []
        var loop: [String]?
        var records: [String: [String]] = [:]
        var truncated = false

        mutating func visit(_ domain: String, terms: [String], path: [String]) async throws {
            for term in terms {
                let bare = unqualified(term).lowercased()
                let name = String(bare.prefix { $0 != ":" && $0 != "=" && $0 != "/" })
                switch name {
                case "a", "mx", "ptr", "exists":
                    lookups += 1
                case "include", "redirect":
                    lookups += 1
                    guard loop == nil, !truncated else { return }
                    let target = String(bare.dropFirst(name.count + 1))
                    guard !target.isEmpty, !target.contains("%") else { continue }  // macros are expanded per message
                    if path.contains(target) {
                        loop = path + [target]
                        return
                    }
                    let found: [String]
                    if let known = records[target] {
                        found = known
                    } else {
                        // A record tree this large fails anyway: stop reading DNS, report "at least".
                        guard records.count < SPFLint.maxResolutions else {
                            truncated = true
                            return
                        }
                        found = SPFLint.spfRecords(try await lookup(target))
                        records[target] = found
                    }
                    guard let record = found.first else {
                        voids += 1
                        voidNames.append(target)
                        continue
                    }
                    try await visit(target, terms: SPFLint.terms(of: record), path: path + [target])
                default:
                    continue
                }
            }
        }
    }

    /// The SPF records among TXT strings: those that are `v=spf1` exactly, then a space or the end.
    static func spfRecords(_ records: [String]) -> [String] {
        records.filter { record in
            let lowered = record.lowercased()
            return lowered == "v=spf1" || lowered.hasPrefix("v=spf1 ")
        }
    }

    /// A record's terms after the version.
    static func terms(of record: String) -> [String] {
        record.split(whereSeparator: \.isWhitespace).dropFirst().map(String.init)
    }

    /// A term without its qualifier (`+`, `-`, `~`, `?`).
    static func unqualified(_ term: String) -> String {
        guard let first = term.first, "+-~?".contains(first) else { return term }
        return String(term.dropFirst())
    }
}

private func unqualified(_ term: String) -> String { SPFLint.unqualified(term) }
