import Foundation

/// Control over HTTP under `/_simulator`, for a simulator running in another process (`onboard simulator`):
/// move the clock, arm and disarm faults, change timings and DNS records.
extension World {
    static func controlError(_ status: Int, _ message: String) -> SimReply {
        .json(status, ["error": ["code": .string(httpReason(status)), "message": .string(message)]])
    }

    mutating func handleControl(_ request: SimRequest) -> SimReply {
        let segments = request.segments
        if request.method == "DELETE" {
            if segments.count == 3 {
                guard let id = Int(segments[2]), faults.contains(where: { $0.id == id }) else {
                    return Self.controlError(404, "No armed fault '\(segments[2])'.")
                }
                faults.removeAll { $0.id == id }
            } else {
                faults.removeAll()
            }
            return SimReply(status: 204)
        }
        guard let body = SimulatorJSON.parse(request.body)?.objectValue else {
            return Self.controlError(400, "The body must be a JSON object.")
        }
        switch segments[1] {
        case "time":
            guard let seconds = Self.number(body["advanceSeconds"]), seconds >= 0 else {
                return Self.controlError(400, "'advanceSeconds' must be a non-negative number.")
            }
            timeOffset += seconds
            return .json(200, ["now": Self.iso(now())])
        case "timings":
            return updateTimings(body)
        case "dns":
            let name = Self.dnsKey(segments[2])
            guard body["txt"] != nil || body["mx"] != nil else {
                return Self.controlError(400, "Give 'txt' or 'mx' (an array of strings, or null to remove them).")
            }
            var strings: [String: [String]?] = [:]
            for field in ["txt", "mx"] {
                guard let value = body[field] else { continue }
                if value == .null {
                    strings[field] = .some(nil)
                    continue
                }
                guard let records = value.arrayValue?.compactMap(\.stringValue), records.count == value.arrayValue?.count else {
                    return Self.controlError(400, "'\(field)' must be an array of strings or null.")
                }
                strings[field] = records
            }
            if let txt = strings["txt"] { dnsRecords[name] = txt }
            if let mx = strings["mx"] { mxRecords[name] = mx.flatMap { $0.isEmpty ? nil : $0.map(Self.dnsKey) } }
            return .json(200, [
                "name": .string(name), "txt": dnsRecords[name].map { .array($0.map(SimulatorJSON.string)) } ?? .null,
                "mx": mxRecords[name].map { .array($0.map(SimulatorJSON.string)) } ?? .null,
            ])
        default:
            return armFault(body)
        }
    }

    static func number(_ value: SimulatorJSON?) -> Double? {
        switch value {
        case .integer(let number): return Double(number)
        case .number(let number) where number.isFinite: return number
        default: return nil
        }
    }

    private mutating func updateTimings(_ body: [String: SimulatorJSON]) -> SimReply {
        let fields: [(String, WritableKeyPath<SimulatorTimings, Duration>)] = [
            ("servicePrincipalReplicationLagSeconds", \.servicePrincipalReplicationLag),
            ("appRoleAssignmentReadLagSeconds", \.appRoleAssignmentReadLag),
            ("tokenRolePropagationDelaySeconds", \.tokenRolePropagationDelay),
            ("exchangePropagationDelaySeconds", \.exchangePropagationDelay),
            ("tokenLifetimeSeconds", \.tokenLifetime),
            ("deltaLinkLifetimeSeconds", \.deltaLinkLifetime),
        ]
        var updated = timings
        for (name, value) in body {
            guard let field = fields.first(where: { $0.0 == name }) else {
                return Self.controlError(
                    400, "Unknown timing '\(name)'; known: \(fields.map(\.0).joined(separator: ", ")).")
            }
            guard let seconds = Self.number(value), seconds >= 0, seconds < 1e9 else {
                return Self.controlError(400, "'\(name)' must be a non-negative number of seconds.")
            }
            updated[keyPath: field.1] = .milliseconds(Int64((seconds * 1000).rounded()))
        }
        timings = updated
        return .json(
            200,
            .object(
                Dictionary(
                    uniqueKeysWithValues: fields.map { ($0.0, .number(timings[keyPath: $0.1].simulatorSeconds)) })))
    }

    private mutating func armFault(_ body: [String: SimulatorJSON]) -> SimReply {
        let retryAfter = body["retryAfterSeconds"]?.intValue
        let kind: FaultKind
        switch body["kind"]?.stringValue {
        case "throttle": kind = .throttle(retryAfterSeconds: max(0, retryAfter ?? 1))
        case "unavailable": kind = .serviceUnavailable(retryAfterSeconds: retryAfter)
        case "latency":
            guard let milliseconds = body["latencyMilliseconds"]?.intValue, (0...600_000).contains(milliseconds) else {
                return Self.controlError(400, "'latencyMilliseconds' (0…600000) is required for latency.")
            }
            kind = .latency(.milliseconds(milliseconds))
        case "drop": kind = .dropConnection
        case "nonJSONForbidden": kind = .nonJSONForbidden
        case "answer":
            guard let text = body["body"]?.stringValue else {
                return Self.controlError(400, "'body' (a string) is required for answer.")
            }
            var headers: [String: String] = [:]
            if case .object(let fields)? = body["headers"] {
                for (name, value) in fields {
                    guard let value = value.stringValue else {
                        return Self.controlError(400, "'headers' must map header names to strings.")
                    }
                    headers[name] = value
                }
            }
            kind = .answer(
                status: body["status"]?.intValue ?? 200,
                contentType: body["contentType"]?.stringValue ?? "application/json", body: text, headers: headers)
        case "redirect":
            guard let location = body["location"]?.stringValue else {
                return Self.controlError(400, "'location' (a string) is required for redirect.")
            }
            let status = body["status"]?.intValue ?? 302
            guard [301, 302, 303, 307, 308].contains(status) else {
                return Self.controlError(400, "'status' must be 301, 302, 303, 307 or 308 for redirect.")
            }
            kind = .redirect(status: status, to: location)
        case "echo": kind = .echo(status: body["status"]?.intValue ?? 400)
        case "trickle":
            guard let text = body["body"]?.stringValue,
                let milliseconds = body["intervalMilliseconds"]?.intValue, (1...60_000).contains(milliseconds)
            else {
                return Self.controlError(400, "'body' (a string) and 'intervalMilliseconds' (1…60000) are required for trickle.")
            }
            kind = .trickle(status: body["status"]?.intValue ?? 200, body: text, interval: .milliseconds(milliseconds))
        case "endlessPages": kind = .endlessPages
        default:
            return Self.controlError(
                400,
                "'kind' must be throttle, unavailable, latency, drop, nonJSONForbidden, answer, redirect, echo, trickle or endlessPages.")
        }
        let trigger: FaultTrigger
        if let probability = Self.number(body["probability"]) {
            guard (0...1).contains(probability) else { return Self.controlError(400, "'probability' must be 0…1.") }
            trigger = .probability(probability)
        } else if let times = body["times"]?.intValue {
            let after = body["after"]?.intValue ?? 0
            guard times > 0, after >= 0 else {
                return Self.controlError(400, "'times' must be positive and 'after' not negative.")
            }
            trigger = .times(times, after: after)
        } else {
            trigger = .times(1)
        }
        let match = FaultMatch(
            service: body["service"]?.stringValue.map { SimulatedService(rawValue: $0) },
            method: body["method"]?.stringValue, route: body["route"]?.stringValue)
        let id = arm(Fault(match: match, kind: kind, trigger: trigger))
        return .json(201, ["id": .integer(id)])
    }

    /// Arms a fault and returns its id.
    mutating func arm(_ fault: Fault) -> Int {
        let id = nextFaultID
        nextFaultID += 1
        var remaining: Int?
        var skip = 0
        if case .times(let count, let skipped) = fault.trigger.storage { (remaining, skip) = (count, skipped) }
        faults.append(ActiveFault(id: id, fault: fault, remaining: remaining, skip: skip))
        return id
    }
}
