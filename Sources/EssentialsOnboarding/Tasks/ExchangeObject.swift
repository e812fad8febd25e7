import OnboardingEngine

/// Reads, creates and corrects one named Exchange Online object (a connector, a transport rule):
/// the building block of an idempotent Exchange task.
///
/// `ensure()` reads the object (`Get-NOUN -Identity NAME`), creates it when missing (`New-NOUN`
/// with ``created`` and `Name`), or `Set-`s only the properties of ``corrected`` that drifted, so
/// a repeated run never fails on "already exists" and re-applies what an admin changed by hand.
/// `plannedChanges()` says what it would do, for a task's `observe` (plans and drift checks).
/// Service errors become the engine outcome they mean (see ``ServiceError/interruption(needing:)``):
/// Exchange's 403 blocks the task on `Exchange.ManageAsApp`, throttling is retried.
///
/// ```swift
/// let rule = ExchangeObject(
///     services: services, noun: "TransportRule", name: "Tag external mail",
///     created: ["FromScope": "NotInOrganization", "PrependSubject": "[External] "],
///     corrected: ["PrependSubject": "[External] ", "State": "Enabled"])
/// try await rule.ensure()
/// ```
public struct ExchangeObject: Sendable {
    let services: OnboardingServices
    /// The cmdlet noun: `InboundConnector`, `OutboundConnector`, `TransportRule`, …
    public let noun: String
    /// The object's name (its `Identity`).
    public let name: String
    /// The properties `New-` is given (besides `Name`).
    public let created: [String: JSONValue]
    /// The properties whose drift `Set-` corrects (a subset of what `New-` sets, usually).
    public let corrected: [String: JSONValue]

    /// Describes the object a task ensures.
    public init(
        services: OnboardingServices, noun: String, name: String, created: [String: JSONValue],
        corrected: [String: JSONValue]
    ) {
        self.services = services
        self.noun = noun
        self.name = name
        self.created = created
        self.corrected = corrected
    }

    /// The object, or `nil` when it does not exist.
    public func current() async throws -> JSONValue? {
        do {
            return try await services.exchange.invoke("Get-\(noun)", ["Identity": .string(name)]).first
        } catch let error as ServiceError where error.code == .notFound {
            return nil
        } catch let error as ServiceError {
            throw error.interruption(needing: GuidePermissions.exchangeManageAsApp)
        }
    }

    /// The corrected properties that differ from `object`.
    public func drift(of object: JSONValue) -> [String: JSONValue] {
        corrected.filter { key, wanted in !ExchangeObject.same(object[key], wanted) }
    }

    /// What `ensure` would do, in words (empty: nothing).
    public func plannedChanges() async throws -> [String] { plannedChanges(for: try await current()) }

    /// What `ensure` would do to `object` as read (`nil`: it does not exist).
    public func plannedChanges(for object: JSONValue?) -> [String] {
        guard let object else { return ["create \(noun) '\(name)'"] }
        return drift(of: object).keys.sorted().map { "correct \(noun) '\(name)': \($0)" }
    }

    /// Creates the object or corrects its drift; returns the object's state as read before.
    @discardableResult
    public func ensure() async throws -> JSONValue? {
        let object = try await current()
        try await call(needing: GuidePermissions.exchangeManageAsApp) {
            if let object {
                let changes = drift(of: object)
                if !changes.isEmpty {
                    _ = try await services.exchange.invoke("Set-\(noun)", changes.merging(["Identity": .string(name)]) { $1 })
                }
            } else {
                _ = try await services.exchange.invoke("New-\(noun)", created.merging(["Name": .string(name)]) { $1 })
            }
        }
        return object
    }

    /// Corrects the drift of the object if it exists, and does nothing when it does not (taking
    /// a tenant off Essentials: a connector already gone needs no disabling).
    public func correctIfPresent() async throws {
        if try await needsCorrection() { try await ensure() }
    }

    /// Whether ``correctIfPresent()`` would change something.
    public func needsCorrection() async throws -> Bool {
        guard let current = try await current() else { return false }
        return !drift(of: current).isEmpty
    }

    /// For a transport rule: creates it or corrects its drift, then enables it if it was
    /// disabled (`Set-TransportRule` cannot change a rule's state; `Enable-TransportRule` does).
    public func ensureEnabledRule() async throws {
        let before = try await ensure()
        if let state = before?["State"]?.string, state.lowercased() != "enabled" {
            try await call(needing: GuidePermissions.exchangeManageAsApp) {
                _ = try await services.exchange.invoke("Enable-TransportRule", ["Identity": .string(name)])
            }
        }
    }

    /// For a transport rule: what ``ensureEnabledRule()`` would do, in words.
    public func plannedChangesOfRule() async throws -> [String] {
        let current = try await current()
        var changes = plannedChanges(for: current)
        if let state = current?["State"]?.string, state.lowercased() != "enabled" {
            changes.append("enable transport rule '\(name)'")
        }
        return changes
    }

    /// Compares a read property with a wanted one: arrays as sets, `"True"` as `true`, numbers by value.
    public static func same(_ current: JSONValue?, _ wanted: JSONValue) -> Bool {
        guard let current else { return false }
        switch wanted {
        case .array: return Set(current.strings.map { $0.lowercased() }) == Set(wanted.strings.map { $0.lowercased() })
        case .bool(let value): return current.bool == value
        case .number(let value): return current.number == value
        case .string(let value): return current.string?.lowercased() == value.lowercased()
        default: return current == wanted
        }
    }
}
