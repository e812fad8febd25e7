/// The Proofpoint Essentials side: organizations by lower-cased primary domain.
struct EssentialsState: Sendable {
    struct Org: Sendable {
        var seed: EssentialsOrgSeed
        var domains: [[String: SimulatorJSON]] = []
        var users: [[String: SimulatorJSON]] = []
        /// Lower-cased addresses of `users`, so adding 100,000 users stays linear.
        var userEmails: Set<String> = []
        var azureSettings: SimulatorJSON = [
            "enabled": false, "tenant_id": nil, "sync_users": true, "sync_groups": true, "sync_frequency_hours": 24,
            "first_sync_done": false,
        ]
        var integrationSettings: SimulatorJSON = ["allow_customers_to_use_integrations": false]
    }

    var orgs: [String: Org] = [:]
    var order: [String] = []
    var credentials: [String: String] = [:]

    init(seed: EssentialsSeed) {
        for org in seed.organizations {
            let key = org.domain.lowercased()
            if orgs[key] == nil { order.append(key) }
            var state = Org(seed: org)
            state.domains = [["name": .string(org.domain), "is_relay": false, "is_active": true, "is_primary": true]]
            orgs[key] = state
        }
        for credential in seed.credentials { credentials[credential.user.lowercased()] = credential.password }
    }
}
