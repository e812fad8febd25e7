import Foundation

/// The whole simulated world. Lives inside a `Mutex` in ``SimulatorCore``; every handler runs synchronously
/// under that lock, so each request sees and leaves a consistent state.
struct World: Sendable {
    static let graphAppId = "00000003-0000-0000-c000-000000000000"
    static let exchangeAppId = "00000002-0000-0ff1-ce00-000000000000"
    static let exchangeAdministratorRoleId = "29232cdf-9323-42fd-ade2-1d097af3e4de"
    static let graphResource = "https://graph.microsoft.com"
    static let exchangeResource = "https://outlook.office365.com"

    let configuration: SimulatorConfiguration
    var timings: SimulatorTimings
    var timeOffset: Double = 0
    var tenants: [String: TenantState] = [:]
    var tenantOrder: [String] = []
    var essentials: EssentialsState
    var dnsRecords: [String: [String]] = [:]
    /// MX exchanges by DNS name, by preference.
    var mxRecords: [String: [String]] = [:]
    var faults: [ActiveFault] = []
    var nextFaultID = 1
    var rng: SeededRandom
    let signingKey: UInt64
    /// The application's certificates, parsed once.
    let registeredCertificates: [RegisteredCertificate]
    /// Tokens whose signature was checked, with their claims (used only under the world's lock).
    let verifiedTokens = VerifiedTokens()
    var requestLog: [RequestRecord] = []
    /// The request log as kept: the newest `maximumLoggedRequests` requests.
    var loggedRequests: ArraySlice<RequestRecord> { requestLog.suffix(configuration.maximumLoggedRequests) }
    var routeCounts: [String: Int] = [:]
    var sequence = 0
    var idCounter = 0
    var baseURL = "http://127.0.0.1"

    struct ActiveFault: Sendable {
        var id: Int
        var fault: Fault
        var remaining: Int?
        /// Matching requests still to let through before the fault starts hitting.
        var skip: Int = 0
    }

    init(configuration: SimulatorConfiguration) {
        self.configuration = configuration
        self.timings = configuration.timings
        self.rng = SeededRandom(seed: configuration.seed)
        self.signingKey = SeededRandom.mix(configuration.seed ^ 0x7369_6d75_6c61_746f)
        self.registeredCertificates = configuration.application.certificates.compactMap(RegisteredCertificate.init(pem:))
        self.essentials = EssentialsState(seed: configuration.essentials)
        for seed in configuration.tenants {
            let tenant = TenantState(seed: seed)
            let key = tenant.tenantId.lowercased()
            if tenants[key] == nil { tenantOrder.append(key) }
            tenants[key] = tenant
            for domain in tenant.domains {
                dnsRecords[Self.dnsKey(domain.name)] = domain.resolvedTXTRecords
                mxRecords[Self.dnsKey(domain.name)] = domain.resolvedMXRecords
            }
        }
        addProviderRecords()
    }

    /// The SPF records of the names tenants include (Microsoft's and Essentials'), as their
    /// owners publish them in shape: one record each, `ip4:`/`ip6:` ranges, `-all`, so nested
    /// includes resolve and count as they do at receivers.
    static let providerRecords: [String: [String]] = [
        "spf.protection.outlook.com": [
            "v=spf1 ip4:40.92.0.0/15 ip4:40.107.0.0/16 ip4:52.100.0.0/15 ip4:52.102.0.0/16 ip4:104.47.0.0/17 ip6:2a01:111:f400::/48 ip6:2a01:111:f403::/49 -all"
        ],
        "_spf-us.ppe-hosted.com": [
            "v=spf1 ip4:67.231.152.0/24 ip4:67.231.153.0/24 ip4:67.231.154.0/24 ip4:67.231.155.0/24 ip4:67.231.156.0/24 ip4:148.163.128.0/19 -all"
        ],
        "_spf-eu.ppe-hosted.com": ["v=spf1 ip4:185.132.180.0/22 ip4:185.183.28.0/22 -all"],
    ]

    /// Adds ``providerRecords`` for names that have none (a state file from before they existed).
    mutating func addProviderRecords() {
        for (name, records) in Self.providerRecords where dnsRecords[name] == nil { dnsRecords[name] = records }
    }

    static func dnsKey(_ name: String) -> String {
        var key = name.lowercased()
        while key.hasSuffix(".") { key.removeLast() }
        return key
    }

    func now() -> Date { configuration.now().addingTimeInterval(timeOffset) }

    /// Whether `date` lies at least `delay` in the past.
    func hasElapsed(_ delay: Duration, since date: Date) -> Bool {
        now().timeIntervalSince(date) >= delay.simulatorSeconds
    }

    mutating func newID(_ purpose: String) -> String {
        idCounter += 1
        return DeterministicID.uuid(configuration.seed, purpose, String(idCounter))
    }

    /// Finds a tenant by id or by one of its domains.
    func tenantKey(for identifier: String) -> String? {
        let lowered = identifier.lowercased()
        if tenants[lowered] != nil { return lowered }
        if lowered == "common" || lowered == "organizations" { return tenantOrder.first }
        return tenantOrder.first { key in tenants[key]!.domains.contains { $0.name.lowercased() == lowered } }
    }

    // MARK: Request log and faults

    /// Records the request and decides which faults hit it.
    mutating func admit(service: SimulatedService, request: SimRequest, route: String) -> (Int, SimReply?) {
        let (method, path) = (request.method, request.path)
        sequence += 1
        routeCounts["\(service.rawValue) \(method) \(route)", default: 0] += 1
        requestLog.append(
            RequestRecord(
                sequence: sequence, service: service, method: method, path: path, route: route, status: 0,
                fault: nil, date: now()))
        // Trimmed a quarter at a time, not one entry per request (an O(n) move under the lock);
        // readers see the newest `maximumLoggedRequests` (``loggedRequests``).
        let limit = configuration.maximumLoggedRequests
        if requestLog.count > limit + max(1, limit / 4) {
            requestLog.removeFirst(requestLog.count - limit)
        }
        var delay = Duration.zero
        var terminal: SimReply?
        var names: [String] = []
        for index in faults.indices
        where faults[index].fault.match.matches(service: service, method: method, route: route) {
            let isLatency: Bool
            if case .latency = faults[index].fault.kind.storage { isLatency = true } else { isLatency = false }
            // One terminal fault per request; later terminal faults are not consumed.
            if !isLatency && terminal != nil { continue }
            let hit: Bool
            switch faults[index].fault.trigger.storage {
            case .times:
                if faults[index].skip > 0 {
                    faults[index].skip -= 1
                    hit = false
                } else {
                    hit = (faults[index].remaining ?? 0) > 0
                    if hit { faults[index].remaining! -= 1 }
                }
            case .probability(let probability):
                hit = rng.nextUnit() < probability
            }
            guard hit else { continue }
            names.append(faults[index].fault.kind.description)
            switch faults[index].fault.kind.storage {
            case .latency(let extra): delay += extra
            default: terminal = faultReply(faults[index].fault.kind, service: service, request: request)
            }
        }
        faults.removeAll {
            if case .times = $0.fault.trigger.storage { return $0.remaining == 0 } else { return false }
        }
        if names.isEmpty { return (sequence, nil) }
        var reply = terminal ?? SimReply(status: -1)
        reply.delay = delay
        reply.fault = names.joined(separator: ",")
        return (sequence, reply)
    }

    mutating func finish(sequence: Int, status: Int, fault: String?) {
        // Records are appended in sequence order, so search from the end.
        if let index = requestLog.lastIndex(where: { $0.sequence == sequence }) {
            requestLog[index].status = status
            requestLog[index].fault = fault
        }
    }

    func faultReply(_ kind: FaultKind, service: SimulatedService, request: SimRequest) -> SimReply {
        switch kind.storage {
        case .throttle(let seconds):
            var reply = serviceError(
                service, status: 429, code: "TooManyRequests",
                message: "Too many requests. Please retry after \(seconds) seconds.")
            reply.headers.append(("Retry-After", String(seconds)))
            return reply
        case .serviceUnavailable(let seconds):
            var reply = serviceError(
                service, status: 503, code: "ServiceUnavailable",
                message: "The service is temporarily unavailable. Please try again later.")
            if let seconds { reply.headers.append(("Retry-After", String(seconds))) }
            return reply
        case .dropConnection:
            return SimReply(status: 0, drop: true)
        case .nonJSONForbidden:
            return .text(
                403,
                "<html><head><title>403 - Forbidden</title></head><body><h1>403 - Forbidden: Access is denied."
                    + "</h1></body></html>", contentType: "text/html")
        case .answer(let status, let contentType, let body, let headers):
            var reply = SimReply.text(status, body, contentType: contentType)
            reply.headers += headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            return reply
        case .redirect(let status, let location):
            return SimReply(status: status, headers: [("Location", location)])
        case .echo(let status):
            let headers = request.headers.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
            // The request's body first, then its headers: a short excerpt of the page still holds secrets.
            let page =
                "<html><body><h1>Bad Request</h1><pre>\(String(decoding: request.body, as: UTF8.self))</pre>"
                + "<pre>\(request.method) \(request.path)\n\(headers.joined(separator: "\n"))</pre></body></html>"
            return .text(status, page, contentType: "text/html")
        case .trickle(let status, let body, let interval):
            var reply = SimReply.text(status, body, contentType: "application/json")
            reply.trickle = interval
            return reply
        case .endlessPages:
            let link = "\(baseURL)\(request.path)?$skiptoken=endless-\(sequence)"
            return .json(200, ["value": .array([]), "@odata.nextLink": .string(link)])
        case .latency:
            return SimReply(status: -1)
        }
    }

    /// An error in the shape of the given service.
    func serviceError(_ service: SimulatedService, status: Int, code: String, message: String) -> SimReply {
        switch service {
        case .graph: return graphError(status, code, message)
        case .exchange: return exchangeError(status, code: code, detail: "|System.Exception|\(message)")
        case .identity:
            return .json(
                status,
                [
                    "error": .string(code == "TooManyRequests" ? "temporarily_unavailable" : "server_error"),
                    "error_description": .string("AADSTS90033: \(message)"), "error_codes": [90033],
                    "timestamp": .string(Self.timestamp(now())), "trace_id": .string(UUID().uuidString.lowercased()),
                    "correlation_id": .string(UUID().uuidString.lowercased()),
                ])
        default: return essentialsError(status, message)
        }
    }

    // MARK: Error shapes

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    func graphError(_ status: Int, _ code: String, _ message: String) -> SimReply {
        let requestId = UUID().uuidString.lowercased()
        return .json(
            status,
            [
                "error": [
                    "code": .string(code), "message": .string(message),
                    "innerError": [
                        "request-id": .string(requestId), "client-request-id": .string(requestId),
                        "date": .string(Self.timestamp(now())),
                    ],
                ]
            ])
    }

    func exchangeError(_ status: Int, code: String, detail: String) -> SimReply {
        .json(
            status,
            [
                "error": [
                    "code": .string(code),
                    "message": "An error has occurred. Check the details for more information.",
                    "details": [["code": .string(code), "message": .string(detail), "target": ""]],
                    "innererror": [
                        "message": .string(detail),
                        "type": "Microsoft.Exchange.Admin.Management.InvokeCommandException",
                    ],
                ]
            ])
    }

    func essentialsError(_ status: Int, _ message: String) -> SimReply {
        .json(
            status,
            ["status": .integer(status), "error": .string(Self.httpReason(status)), "message": .string(message)])
    }

    static func httpReason(_ status: Int) -> String {
        switch status {
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 409: return "Conflict"
        case 429: return "Too Many Requests"
        case 503: return "Service Unavailable"
        default: return "Error"
        }
    }
}
