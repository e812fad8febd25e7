import OnboardingEngine

/// Reads, creates and corrects one named Exchange object (a connector or a transport rule).
///
/// `run` of a task built on it observes the object, creates it when missing, and `Set-`s only the
/// drifted properties, so a repeated run never fails on "already exists".
struct ExchangeObject {
    let services: OnboardingServices
    /// `InboundConnector`, `OutboundConnector` or `TransportRule`.
    let noun: String
    let name: String
    /// The properties `New-` is given.
    let created: [String: JSONValue]
    /// The properties whose drift `Set-` corrects.
    let corrected: [String: JSONValue]

    /// The object, or `nil` when it does not exist.
    func current() async throws -> JSONValue? {
        do {
            return try await services.exchange.invoke("Get-\(noun)", ["Identity": .string(name)]).first
        } catch let error as ServiceError where error.code == .notFound {
            return nil
        } catch let error as ServiceError {
            throw error.interruption(needing: GuidePermissions.exchangeManageAsApp)
        }
    }

    /// The corrected properties that differ from `object`.
    func drift(of object: JSONValue) -> [String: JSONValue] {
        corrected.filter { key, wanted in !ExchangeObject.same(object[key], wanted) }
    }

    /// What `ensure` would do.
    func plannedChanges() async throws -> [String] { plannedChanges(for: try await current()) }

    /// What `ensure` would do to `object` as read (`nil`: it does not exist).
    func plannedChanges(for object: JSONValue?) -> [String] {
        guard let object else { return ["create \(noun) '\(name)'"] }
        return drift(of: object).keys.sorted().map { "correct \(noun) '\(name)': \($0)" }
    }

    /// Creates the object or corrects its drift; returns the object's state as read before.
    @discardableResult
    func ensure() async throws -> JSONValue? {
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

    /// Compares a read property with a wanted one: arrays as sets, `"True"` as `true`, numbers by value.
    static func same(_ current: JSONValue?, _ wanted: JSONValue) -> Bool {
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
