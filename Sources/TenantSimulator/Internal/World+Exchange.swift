import Foundation

/// The Exchange Online admin API: cmdlets over `POST /adminapi/beta/{tenantId}/InvokeCommand`.
extension World {
    enum ExchangeCollection: String {
        case inboundConnector = "InboundConnector"
        case outboundConnector = "OutboundConnector"
        case transportRule = "TransportRule"
    }

    static let multiValuedParameters: Set<String> = [
        "SenderIPAddresses", "SmartHosts", "SenderDomains", "RecipientDomains", "SenderIpRanges",
        "TlsSenderCertificateName", "EFSkipIPs", "EFUsers", "EFSkipMailGateway", "AssociatedAcceptedDomains",
        "ExceptIfSenderIpRanges", "SenderDomainIs", "ExceptIfSenderDomainIs", "RecipientDomainIs",
        "ExceptIfRecipientDomainIs", "HeaderContainsWords", "ExceptIfHeaderContainsWords",
    ]

    /// The parameters `New-`/`Set-` accept per object type; Exchange refuses any other name (a
    /// misspelled parameter must not pass silently). Transport rules take hundreds: these are the
    /// conditions, exceptions and actions mail-flow tools use.
    static let connectorParameters: [ExchangeCollection: Set<String>] = [
        .inboundConnector: [
            "Name", "Identity", "AssociatedAcceptedDomains", "CloudServicesMailEnabled", "Comment", "ConnectorSource",
            "ConnectorType", "EFSkipIPs", "EFSkipLastIP", "EFSkipMailGateway", "EFTestMode", "EFUsers", "Enabled",
            "RequireTls", "RestrictDomainsToCertificate", "RestrictDomainsToIPAddresses", "ScanAndDropRecipients",
            "SenderDomains", "SenderIPAddresses", "TlsSenderCertificateName", "TreatMessagesAsInternal",
            "TrustedOrganizations", "Confirm", "WhatIf",
        ],
        .outboundConnector: [
            "Name", "Identity", "AllAcceptedDomains", "CloudServicesMailEnabled", "Comment", "ConnectorSource",
            "ConnectorType", "Enabled", "IsTransportRuleScoped", "LinkForModifiedConnector", "RecipientDomains",
            "RouteAllMessagesViaOnPremises", "SenderRewritingEnabled", "SmartHosts", "TestMode", "TlsDomain",
            "TlsSettings", "UseMXRecord", "ValidationRecipients", "Confirm", "WhatIf",
        ],
        .transportRule: [
            "Name", "Identity", "Comments", "Enabled", "Mode", "Priority", "StopRuleProcessing", "FromScope",
            "SentToScope", "ExceptIfFromScope", "ExceptIfSentToScope", "SenderIpRanges", "ExceptIfSenderIpRanges",
            "SenderDomainIs", "ExceptIfSenderDomainIs", "RecipientDomainIs", "ExceptIfRecipientDomainIs",
            "HeaderContainsMessageHeader", "HeaderContainsWords", "ExceptIfHeaderContainsMessageHeader",
            "ExceptIfHeaderContainsWords", "SetSCL", "SetHeaderName", "SetHeaderValue", "RemoveHeader", "PrependSubject",
            "ApplyHtmlDisclaimerText", "ApplyHtmlDisclaimerLocation", "ApplyHtmlDisclaimerFallbackAction",
            "RejectMessageReasonText", "RejectMessageEnhancedStatusCode", "DeleteMessage", "Quarantine",
            "SetAuditSeverity", "Confirm", "WhatIf",
        ],
    ]

    /// The parameters `Remove-`, `Enable-` and `Disable-` take.
    static let identityOnlyParameters: Set<String> = ["Identity", "Confirm", "WhatIf"]

    /// Exchange's answer to a parameter name the cmdlet does not have, or `nil`.
    func unknownParameter(
        _ collection: ExchangeCollection, _ parameters: [String: SimulatorJSON], identityOnly: Bool = false
    ) -> SimReply? {
        guard let known = identityOnly ? Self.identityOnlyParameters : Self.connectorParameters[collection],
            let name = parameters.keys.sorted().first(where: { !known.contains($0) })
        else { return nil }
        return exchangeError(
            400, code: "BadRequest",
            detail:
                "|System.Management.Automation.ParameterBindingException|A parameter cannot be found that matches parameter name '\(name)'.")
    }

    /// The cmdlet name of an InvokeCommand body, for route keys; `InvokeCommand` when unreadable.
    static func cmdletName(_ body: [UInt8]) -> String {
        SimulatorJSON.parse(body)?["CmdletInput"]?["CmdletName"]?.stringValue ?? "InvokeCommand"
    }

    mutating func handleExchange(_ request: SimRequest) -> SimReply {
        let segments = Array(request.segments.dropFirst())  // drop "exchange"
        guard segments.count == 4, segments[0] == "adminapi", segments[1] == "beta", segments[3] == "InvokeCommand"
        else {
            return exchangeError(
                404, code: "NotFound", detail: "|System.Exception|The requested resource was not found.")
        }
        guard request.method == "POST" else {
            return exchangeError(
                405, code: "MethodNotAllowed", detail: "|System.Exception|The HTTP method is not allowed.")
        }
        guard let key = tenantKey(for: segments[2]) else {
            return exchangeError(
                400, code: "BadRequest", detail: "|System.ArgumentException|Tenant '\(segments[2])' was not found.")
        }
        let claims: TokenClaims
        switch authenticate(request, audience: Self.exchangeResource) {
        case .success(let value): claims = value
        case .failure(let problem):
            return exchangeError(
                401, code: "InvalidAuthenticationToken",
                detail: "|System.UnauthorizedAccessException|\(Self.tokenProblemMessage(problem))")
        }
        let tenant = tenants[key]!
        guard claims.tenantId == tenant.tenantId else {
            return exchangeError(
                401, code: "InvalidAuthenticationToken",
                detail: "|System.UnauthorizedAccessException|The token was issued for another tenant.")
        }
        let delay = timings.exchangePropagationDelay
        let principal = tenant.appServicePrincipalId
        let appRoleSettled = tenant.appRoleAssignments.contains {
            $0.principalId == principal && $0.resourceId == tenant.exchangeServicePrincipalId
                && $0.appRoleId == GraphPermission.exchangeManageAsApp.id && hasElapsed(delay, since: $0.createdAt)
        }
        guard claims.roles.contains(GraphPermission.exchangeManageAsApp.name), appRoleSettled else {
            return exchangeError(
                401, code: "Unauthorized",
                detail:
                    "|System.UnauthorizedAccessException|The application \(claims.appId) does not hold the Exchange.ManageAsApp permission."
            )
        }
        let directoryRoleSettled = tenant.directoryRoleAssignments.contains {
            $0.principalId == principal && $0.roleDefinitionId == Self.exchangeAdministratorRoleId
                && hasElapsed(delay, since: $0.createdAt)
        }
        guard directoryRoleSettled else {
            return exchangeError(
                403, code: "Forbidden",
                detail:
                    "|Microsoft.Exchange.Management.Tasks.ManagementObjectAccessDeniedException|The role assigned to application \(claims.appId) isn't supported in this scenario. Please check online documentation for assigning correct Directory Roles to Azure AD Application for EXO App-Only Authentication."
            )
        }
        guard let body = SimulatorJSON.parse(request.body), body.objectValue != nil else {
            return exchangeError(
                400, code: "BadRequest",
                detail: "|System.ArgumentException|The request body could not be parsed as JSON.")
        }
        guard let name = body["CmdletInput"]?["CmdletName"]?.stringValue else {
            return exchangeError(
                400, code: "BadRequest", detail: "|System.ArgumentException|CmdletInput.CmdletName is required.")
        }
        var parameters = body["CmdletInput"]?["Parameters"]?.objectValue ?? [:]
        for (name, value) in parameters where Self.multiValuedParameters.contains(name) {
            if case .string(let single) = value {
                parameters[name] = .array(
                    single.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) })
            }
        }
        var page = ExchangePage(offset: 0, link: { _ in "" })
        if let token = request.query["$skiptoken"] {
            guard let offset = Int(token), offset >= 0 else {
                return exchangeError(400, code: "BadRequest", detail: "|System.ArgumentException|The skip token is not valid.")
            }
            page.offset = offset
        }
        let base = "\(baseURL)/exchange/adminapi/beta/\(segments[2])/InvokeCommand"
        page.link = { "\(base)?$skiptoken=\($0)" }
        return runCmdlet(key, name, parameters, page: page)
    }

    /// Where a `Get-*` answer starts, and the link to the next page from an offset.
    struct ExchangePage {
        var offset: Int
        var link: (Int) -> String
    }

    private mutating func runCmdlet(
        _ key: String, _ name: String, _ parameters: [String: SimulatorJSON], page: ExchangePage
    ) -> SimReply {
        let parts = name.split(separator: "-", maxSplits: 1).map(String.init)
        guard parts.count == 2, let collection = ExchangeCollection(rawValue: parts[1]) else {
            return unknownCmdlet(name)
        }
        switch (parts[0], collection) {
        case ("Get", _): return getObjects(key, collection, parameters, page: page)
        case ("New", _): return newObject(key, collection, parameters)
        case ("Set", _): return setObject(key, collection, parameters)
        case ("Remove", _): return removeObject(key, collection, parameters)
        case ("Enable", .transportRule), ("Disable", .transportRule):
            return setRuleState(key, enabled: parts[0] == "Enable", parameters)
        default: return unknownCmdlet(name)
        }
    }

    private func unknownCmdlet(_ name: String) -> SimReply {
        exchangeError(
            400, code: "BadRequest",
            detail:
                "|System.Management.Automation.CommandNotFoundException|The term '\(name)' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again."
        )
    }

    func objects(_ key: String, _ collection: ExchangeCollection) -> [[String: SimulatorJSON]] {
        switch collection {
        case .inboundConnector: return tenants[key]!.inboundConnectors
        case .outboundConnector: return tenants[key]!.outboundConnectors
        case .transportRule: return tenants[key]!.transportRules
        }
    }

    private mutating func store(_ key: String, _ collection: ExchangeCollection, _ objects: [[String: SimulatorJSON]]) {
        switch collection {
        case .inboundConnector: tenants[key]!.inboundConnectors = objects
        case .outboundConnector: tenants[key]!.outboundConnectors = objects
        case .transportRule: tenants[key]!.transportRules = objects
        }
    }

    private func index(of identity: String, in objects: [[String: SimulatorJSON]]) -> Int? {
        let wanted = identity.lowercased()
        return objects.firstIndex {
            $0["Identity"]?.stringValue?.lowercased() == wanted || $0["Name"]?.stringValue?.lowercased() == wanted
                || $0["Guid"]?.stringValue?.lowercased() == wanted
        }
    }

    private func objectNotFound(_ identity: String) -> SimReply {
        exchangeError(
            404, code: "NotFound",
            detail:
                "|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object '\(identity)' couldn't be found on 'SIMULATOR01.PROD.OUTLOOK.COM'."
        )
    }

    private func missingParameter(_ name: String) -> SimReply {
        exchangeError(
            400, code: "BadRequest",
            detail:
                "|System.Management.Automation.ParameterBindingException|Cannot process command because of one or more missing mandatory parameters: \(name)."
        )
    }

    private func identityParameter(_ parameters: [String: SimulatorJSON]) -> String? {
        parameters["Identity"]?.stringValue
    }

    private func getObjects(
        _ key: String, _ collection: ExchangeCollection, _ parameters: [String: SimulatorJSON], page: ExchangePage
    ) -> SimReply {
        let all = objects(key, collection)
        if let identity = identityParameter(parameters) {
            guard let found = index(of: identity, in: all) else { return objectNotFound(identity) }
            return .json(200, ["value": [.object(all[found])]])
        }
        let size = max(1, configuration.exchangePageSize)
        let end = min(all.count, page.offset + size)
        let slice = page.offset < end ? all[page.offset..<end].map { SimulatorJSON.object($0) } : []
        var answer: [String: SimulatorJSON] = ["value": .array(slice)]
        if end < all.count { answer["@odata.nextLink"] = .string(page.link(end)) }
        return .json(200, .object(answer))
    }

    /// Checks a connector's or rule's full set of properties; returns the error detail, if any.
    static func validate(_ collection: ExchangeCollection, _ object: [String: SimulatorJSON]) -> String? {
        if let name = object["Name"]?.stringValue, name.count > 64 {
            return
                "|System.ArgumentException|The length of the property is too long. The maximum length is 64 and the length of the value provided is \(name.count)."
        }
        switch collection {
        case .inboundConnector:
            for property in ["SenderIPAddresses", "EFSkipIPs"] {
                for entry in object[property]?.arrayValue ?? [] {
                    let text = entry.stringValue ?? entry.serialized()
                    if !isAcceptedSenderAddress(text) {
                        return
                            "|System.ArgumentException|The value \"\(text)\" of property \(property) is invalid. Only IPv4 addresses and CIDR ranges from /24 to /32 are supported."
                    }
                }
            }
            if object["EFSkipLastIP"]?.boolValue == true && !(object["EFSkipIPs"]?.arrayValue ?? []).isEmpty {
                return
                    "|Microsoft.Exchange.Data.DataValidationException|EFSkipIPs and EFSkipLastIP can't both be set: skip either the listed addresses or the last hop."
            }
        case .outboundConnector:
            let useMX = object["UseMXRecord"]?.boolValue ?? true
            let smartHosts = object["SmartHosts"]?.arrayValue ?? []
            if !useMX && smartHosts.isEmpty {
                return
                    "|Microsoft.Exchange.Data.DataValidationException|SmartHosts must be specified when UseMXRecord is set to false."
            }
        case .transportRule:
            if (object["SetHeaderName"] == nil) != (object["SetHeaderValue"] == nil) {
                return
                    "|Microsoft.Exchange.Data.DataValidationException|SetHeaderName and SetHeaderValue must be set together."
            }
            for property in ["SenderIpRanges", "ExceptIfSenderIpRanges"] {
                for entry in object[property]?.arrayValue ?? [] where !isIPv4Range(entry.stringValue ?? "") {
                    return
                        "|System.ArgumentException|The value \"\(entry.stringValue ?? entry.serialized())\" of property \(property) is not a valid IP address range."
                }
            }
            if let scl = object["SetSCL"] {
                let value = scl.intValue ?? scl.stringValue.flatMap { Int($0) }
                guard let value, (-1...9).contains(value) else {
                    return "|System.ArgumentException|The value \(scl.serialized()) of SetSCL is out of range; "
                        + "it must be an integer between -1 and 9."
                }
            }
        }
        return nil
    }

    /// An IPv4 address or CIDR range of any prefix length (what transport rules take).
    static func isIPv4Range(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return false }
        let octets = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }) else { return false }
        if parts.count == 2 {
            guard let prefix = Int(parts[1]), (0...32).contains(prefix) else { return false }
        }
        return true
    }

    /// An IPv4 address or CIDR range from /24 to /32.
    static func isAcceptedSenderAddress(_ text: String) -> Bool {
        guard isIPv4Range(text) else { return false }
        let prefix = text.split(separator: "/").dropFirst().first.flatMap { Int($0) } ?? 32
        return prefix >= 24
    }

    private mutating func newObject(_ key: String, _ collection: ExchangeCollection, _ parameters: [String: SimulatorJSON])
        -> SimReply
    {
        if let refused = unknownParameter(collection, parameters) { return refused }
        guard let name = parameters["Name"]?.stringValue, !name.isEmpty else { return missingParameter("Name") }
        var all = objects(key, collection)
        if index(of: name, in: all) != nil {
            return exchangeError(
                400, code: "BadRequest",
                detail:
                    "|Microsoft.Exchange.Configuration.Tasks.ManagementObjectAlreadyExistsException|The object '\(name)' already exists."
            )
        }
        var object = parameters
        object["Identity"] = .string(name)
        object["Guid"] = .string(newID("exchange-\(collection.rawValue)"))
        object["WhenCreated"] = Self.iso(now())
        object["WhenChanged"] = Self.iso(now())
        switch collection {
        case .inboundConnector, .outboundConnector:
            object["Enabled"] = parameters["Enabled"] ?? true
        case .transportRule:
            let enabled = parameters["Enabled"]?.boolValue ?? true
            object["Enabled"] = nil
            object["State"] = enabled ? "Enabled" : "Disabled"
            object["Mode"] = parameters["Mode"] ?? "Enforce"
            object["Priority"] = .integer(all.count)
        }
        if let problem = Self.validate(collection, object) {
            return exchangeError(400, code: "BadRequest", detail: problem)
        }
        all.append(object)
        store(key, collection, all)
        return .json(200, ["value": [.object(object)]])
    }

    private mutating func setObject(_ key: String, _ collection: ExchangeCollection, _ parameters: [String: SimulatorJSON])
        -> SimReply
    {
        guard let identity = identityParameter(parameters) else { return missingParameter("Identity") }
        if let refused = unknownParameter(collection, parameters) { return refused }
        if collection == .transportRule, let name = ["Enabled", "State"].first(where: { parameters[$0] != nil }) {
            // Set-TransportRule has no state parameter: Enable-/Disable-TransportRule change it.
            return exchangeError(
                400, code: "BadRequest",
                detail:
                    "|System.Management.Automation.ParameterBindingException|A parameter cannot be found that matches parameter name '\(name)'."
            )
        }
        var all = objects(key, collection)
        guard let found = index(of: identity, in: all) else { return objectNotFound(identity) }
        var object = all[found]
        for (name, value) in parameters where name != "Identity" { object[name] = value }
        if let renamed = parameters["Name"]?.stringValue { object["Identity"] = .string(renamed) }
        object["WhenChanged"] = Self.iso(now())
        if let problem = Self.validate(collection, object) {
            return exchangeError(400, code: "BadRequest", detail: problem)
        }
        all[found] = object
        store(key, collection, all)
        return .json(200, ["value": []])
    }

    private mutating func removeObject(
        _ key: String, _ collection: ExchangeCollection, _ parameters: [String: SimulatorJSON]
    ) -> SimReply {
        guard let identity = identityParameter(parameters) else { return missingParameter("Identity") }
        if let refused = unknownParameter(collection, parameters, identityOnly: true) { return refused }
        var all = objects(key, collection)
        guard let found = index(of: identity, in: all) else { return objectNotFound(identity) }
        all.remove(at: found)
        store(key, collection, all)
        return .json(200, ["value": []])
    }

    private mutating func setRuleState(_ key: String, enabled: Bool, _ parameters: [String: SimulatorJSON]) -> SimReply {
        guard let identity = identityParameter(parameters) else { return missingParameter("Identity") }
        if let refused = unknownParameter(.transportRule, parameters, identityOnly: true) { return refused }
        var all = tenants[key]!.transportRules
        guard let found = index(of: identity, in: all) else { return objectNotFound(identity) }
        all[found]["State"] = enabled ? "Enabled" : "Disabled"
        all[found]["WhenChanged"] = Self.iso(now())
        tenants[key]!.transportRules = all
        return .json(200, ["value": []])
    }
}
