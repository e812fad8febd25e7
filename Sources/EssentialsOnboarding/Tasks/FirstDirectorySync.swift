public import OnboardingEngine

/// The first directory sync: users (a full delta round, whose delta link is kept for later
/// incremental syncs), groups and their members (read side by side with the users), with
/// checkpointed paging so a resumed sync does not fetch finished pages again. Users with a mail address in an imported domain are added to
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

    /// Where a sync stopped: each side's next page (`nil` once done), the pages read and the counts so far.
    ///
    /// A cursor is saved only once Graph's page that gave it was checked (``GraphClient/page(_:of:)``),
    /// so a refused link never lands here: a retry starts from the last good page.
    struct Checkpoint: Codable, Sendable {
        var usersNext: String?
        var groupsNext: String?
        var progress: Output
        var usersPages: Int?
        var groupsPages: Int?
    }

    let services: OnboardingServices
    let configuration: OnboardingConfiguration

    /// This task's key: its id, typed with its output.
    public static let key = TaskKey<Output>("first-directory-sync")
    public var id: TaskID { Self.key.id }
    public var dependencies: [TaskID] { [DirectorySyncSettings.key.id, ImportDomains.key.id] }
    public var requiredPermissions: Set<Permission> {
        [GuidePermissions.userReadAll, GuidePermissions.groupReadAll, GuidePermissions.groupMemberReadAll, GuidePermissions.essentialsAdmin]
    }

    public func run(_ context: TaskContext) async throws -> Output {
        let input = try context.input(as: OnboardingInput.self)
        let domains = Set(try context.output(of: ImportDomains.key).domains.map { $0.lowercased() })
        var saved = try await context.checkpoint(as: Checkpoint.self)
        if let cursors = saved.map({ [$0.usersNext, $0.groupsNext].compactMap { $0 } }),
            !cursors.allSatisfy(services.graph.canFollow)
        {
            // A cursor that can no longer be followed (saved before links were checked, or for
            // another endpoint): the listing starts over cleanly rather than failing for good.
            try await context.clearCheckpoint()
            saved = nil
        }
        let limits = services.limits
        let checkpoint = Progress(
            saved
                ?? Checkpoint(
                    usersNext: "/users/delta?$top=\(configuration.pageSize)", groupsNext: "/groups?$top=\(configuration.pageSize)",
                    progress: Output(users: 0, usersImported: 0, groups: 0, members: 0)),
            context: context)
        /// Applies a finished page to the checkpoint and saves it durably.
        @Sendable func record(_ change: @escaping @Sendable (inout Checkpoint) -> Void) async throws {
            try await checkpoint.record(change)
        }
        do {
            // Users and groups are independent: read them side by side.
            try await withThrowingTaskGroup(of: Void.self) { sides in
                sides.addTask {
                    while let (link, pages, users) = await checkpoint.read({ state in
                        state.usersNext.map { ($0, state.usersPages ?? 0, state.progress.users) }
                    }) {
                        try await call { try limits.checkListing(of: "/users/delta", pages: pages, items: users, service: .graph) }
                        let page = try await self.page(link, of: GraphUser.self, needing: GuidePermissions.userReadAll)
                        let present = page.value.filter { $0.removed == nil }
                        let batch = present.compactMap { user -> (email: String, name: String?)? in
                            guard let mail = user.mail, let domain = mail.split(separator: "@").last,
                                domains.contains(domain.lowercased())
                            else { return nil }
                            return (mail, user.displayName)
                        }
                        if !batch.isEmpty {
                            // One call per page; a page sent again after a crash only finds its users there.
                            _ = try await call { try await services.essentials.addUsers(org: input.essentialsOrg, batch) }
                        }
                        try await record {
                            $0.progress.users += present.count
                            $0.progress.usersImported += batch.count
                            $0.usersNext = page.nextLink
                            $0.usersPages = ($0.usersPages ?? 0) + 1
                            if page.nextLink == nil { $0.progress.deltaLink = page.deltaLink }
                        }
                    }
                }
                sides.addTask {
                    while let (link, pages, groups) = await checkpoint.read({ state in
                        state.groupsNext.map { ($0, state.groupsPages ?? 0, state.progress.groups) }
                    }) {
                        try await call { try limits.checkListing(of: "/groups", pages: pages, items: groups, service: .graph) }
                        let page = try await self.page(link, of: GraphGroup.self, needing: GuidePermissions.groupReadAll)
                        let members = try await memberCount(of: page.value)
                        try await record {
                            $0.progress.groups += page.value.count
                            $0.progress.members += members
                            $0.groupsNext = page.nextLink
                            $0.groupsPages = ($0.groupsPages ?? 0) + 1
                        }
                    }
                }
                try await sides.waitForAll()
            }
        } catch is DeltaLinkExpired {
            // The saved link expired: start the sync over rather than loop on it.
            try await context.clearCheckpoint()
            throw TaskInterruption.retryable("The saved directory-sync link expired; the sync starts over.", code: "syncStateNotFound")
        }
        try await call {
            try await services.essentials.updateAzureSettings(org: input.essentialsOrg, ["first_sync_done": true])
        }
        return await checkpoint.read { $0.progress }
    }

    /// One page of a listing; an expired delta or skip link (Graph's 410) is ``DeltaLinkExpired``,
    /// any other service error the engine outcome it means.
    private func page<Element: Decodable & Sendable>(
        _ link: String, of type: Element.Type, needing permission: Permission
    ) async throws -> GraphPage<Element> {
        do {
            return try await services.graph.page(link, of: type)
        } catch let error as ServiceError where error.code == .syncStateNotFound {
            throw DeltaLinkExpired()
        } catch let error as ServiceError {
            throw error.interruption(needing: permission)
        }
    }

    /// Graph no longer knows a saved link: the sync must start over.
    struct DeltaLinkExpired: Error {}

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

    /// The sync's progress, which both sides update. Each save waits for the one before it, so
    /// the checkpoints reach the journal in the order of the changes and the newest lands last.
    actor Progress {
        private var state: Checkpoint
        private let context: TaskContext
        private var lastSave: Task<Void, any Error>?

        init(_ state: Checkpoint, context: TaskContext) {
            self.state = state
            self.context = context
        }

        func read<T: Sendable>(_ body: @Sendable (Checkpoint) -> T) -> T { body(state) }

        func record(_ change: @Sendable (inout Checkpoint) -> Void) async throws {
            change(&state)
            let (snapshot, previous, context) = (state, lastSave, context)
            let save = Task {
                _ = try? await previous?.value
                try await context.saveCheckpoint(snapshot)
            }
            lastSave = save
            try await save.value
        }
    }

    /// Groups whose members are read at once.
    var memberConcurrency: Int { 16 }

    public func observe(_ context: TaskContext) async throws -> Observation {
        let input = try context.input(as: OnboardingInput.self)
        let settings = try await services.essentials.azureSettings(org: input.essentialsOrg)
        return settings["first_sync_done"]?.bool == true
            ? .satisfied : .wouldChange(["read every user, group and member and add the users to \(input.essentialsOrg)"])
    }
}
