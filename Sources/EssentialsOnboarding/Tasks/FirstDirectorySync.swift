import OnboardingEngine

/// The first directory sync: users (a full delta round, whose delta link is kept for later
/// incremental syncs), groups and their members, with checkpointed paging so a resumed sync does
/// not fetch finished pages again. Users with a mail address in an imported domain are added to
/// the Essentials org.
public struct FirstDirectorySync: OnboardingTask {
    /// What the sync read.
    public struct Output: Codable, Sendable, Hashable {
        public var users: Int
        public var usersImported: Int
        public var groups: Int
        public var members: Int
        /// The link for the next incremental round of users.
        public var deltaLink: String?
    }

    /// Where a sync stopped.
    struct Checkpoint: Codable, Sendable {
        var phase: Phase
        var next: String?
        var progress: Output
        enum Phase: String, Codable { case users, groups }
    }

    let services: OnboardingServices
    let configuration: OnboardingConfiguration

    public var id: TaskID { "first-directory-sync" }
    public var dependencies: [TaskID] { ["directory-sync-settings", "import-domains"] }
    public var requiredPermissions: Set<Permission> {
        [GuidePermissions.userReadAll, GuidePermissions.groupReadAll, GuidePermissions.groupMemberReadAll, GuidePermissions.essentialsAdmin]
    }

    public func run(_ context: TaskContext) async throws -> Output {
        let input = try context.input(as: OnboardingInput.self)
        let domains = Set(try context.output(of: "import-domains", as: ImportDomains.Output.self).domains.map { $0.lowercased() })
        var checkpoint = try context.checkpoint(as: Checkpoint.self)
            ?? Checkpoint(
                phase: .users, next: "/users/delta?$top=\(configuration.pageSize)",
                progress: Output(users: 0, usersImported: 0, groups: 0, members: 0))
        do {
            if checkpoint.phase == .users {
                while let link = checkpoint.next {
                    let page = try await call(needing: GuidePermissions.userReadAll) {
                        try await services.graph.page(link, of: GraphUser.self)
                    }
                    var batch: [(email: String, name: String?)] = []
                    for user in page.value where user.removed == nil {
                        checkpoint.progress.users += 1
                        guard let mail = user.mail, let domain = mail.split(separator: "@").last,
                            domains.contains(domain.lowercased())
                        else { continue }
                        batch.append((mail, user.displayName))
                    }
                    if !batch.isEmpty {
                        // One call per page; a page re-sent after a crash only finds its users there already.
                        _ = try await call { try await services.essentials.addUsers(org: input.essentialsOrg, batch) }
                        checkpoint.progress.usersImported += batch.count
                    }
                    checkpoint.next = page.nextLink
                    if page.nextLink == nil { checkpoint.progress.deltaLink = page.deltaLink }
                    try context.saveCheckpoint(checkpoint)
                }
                checkpoint = Checkpoint(phase: .groups, next: "/groups?$top=\(configuration.pageSize)", progress: checkpoint.progress)
                try context.saveCheckpoint(checkpoint)
            }
            while let link = checkpoint.next {
                let page = try await call(needing: GuidePermissions.groupReadAll) { try await services.graph.page(link, of: GraphGroup.self) }
                checkpoint.progress.groups += page.value.count
                checkpoint.progress.members += try await memberCount(of: page.value)
                checkpoint.next = page.nextLink
                try context.saveCheckpoint(checkpoint)
            }
        } catch let interruption as TaskInterruption where interruption.code == "syncStateNotFound" {
            // The saved link expired: start the sync over rather than loop on it.
            try context.clearCheckpoint()
            throw TaskInterruption.retryable("The saved directory-sync link expired; the sync starts over.", code: "syncStateNotFound")
        }
        try await call {
            try await services.essentials.updateAzureSettings(org: input.essentialsOrg, ["first_sync_done": true])
        }
        return checkpoint.progress
    }

    /// Counts the members of `groups`, reading up to ``memberConcurrency`` groups at once.
    private func memberCount(of groups: [GraphGroup]) async throws -> Int {
        try await withThrowingTaskGroup(of: Int.self) { reads in
            var total = 0
            var next = groups.makeIterator()
            for _ in 0..<memberConcurrency { if let group = next.next() { reads.addTask { try await members(of: group) } } }
            while let count = try await reads.next() {
                total += count
                if let group = next.next() { reads.addTask { try await members(of: group) } }
            }
            return total
        }
    }

    private func members(of group: GraphGroup) async throws -> Int {
        let members: [GraphMember] = try await call(needing: GuidePermissions.groupMemberReadAll) {
            try await services.graph.all("/groups/\(group.id)/members?$top=\(configuration.pageSize)")
        }
        return members.count
    }

    /// Groups whose members are read at once.
    var memberConcurrency: Int { 8 }

    public func observe(_ context: TaskContext) async throws -> Observation {
        let input = try context.input(as: OnboardingInput.self)
        let settings = try await services.essentials.azureSettings(org: input.essentialsOrg)
        return settings["first_sync_done"]?.bool == true
            ? .satisfied : .wouldChange(["read every user, group and member and add the users to \(input.essentialsOrg)"])
    }
}
