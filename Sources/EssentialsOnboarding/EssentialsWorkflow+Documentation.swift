public import OnboardingEngine

extension EssentialsWorkflow {
    /// What each task does and, for the manual steps, what a person must do.
    public static let summaries: [TaskID: (does: String, person: String?)] = [
        "feature-entitlement": ("Checks that the Essentials org is entitled to the Microsoft 365 integration; fails for good if not.", "If it fails: ask the Proofpoint Essentials representative to add the integration to the package, then retry the task."),
        "admin-consent": ("Waits until a fresh app token carries every Graph permission; the parked action holds the admin-consent URL.", "A Global Admin opens the consent URL shown by `onboard show` and accepts; the run continues by itself on the next re-check or resume."),
        "service-principals": ("Finds the application's and Exchange Online's service principals, retrying through replication lag after consent.", nil),
        "exchange-app-role": ("Self-assigns Exchange Online's Exchange.ManageAsApp app role, unless already assigned.", nil),
        "exchange-admin-role": ("Assigns the Exchange Administrator directory role to the application; a duplicate counts as done.", nil),
        "import-domains": ("Adds the tenant's verified, Email-capable domains to the Essentials org, relay off. Not the `*.onmicrosoft.com` ones (unless `importMicrosoftDomains`): Microsoft owns their DNS, so their MX cannot point at Essentials and their SPF record cannot include it; gating on them would wait forever.", nil),
        "enable-relay": ("Waits for relay to be enabled on the imported domains (the guide leaves this to the Essentials admin).", "The Essentials admin enables relay for the listed domains in the portal, then `onboard confirm RUN enable-relay`."),
        "directory-sync-settings": ("Configures Essentials' Azure directory sync for the tenant (users and groups).", nil),
        "directory-sync-schedule": ("Sets the recurring sync schedule the admin chose (`syncFrequencyHours` in the run's input).", "The admin chooses the schedule when the run starts."),
        "first-directory-sync": ("Reads users (a full delta round, keeping the delta link), groups and members with checkpointed paging; adds users with a mail address in an imported domain to Essentials.", nil),
        "inbound-connector": ("Creates the inbound connector (partner, Essentials' sending ranges split to /24, TLS) with Enhanced Filtering for Connectors (`EFSkipIPs` = those ranges, or `EFSkipLastIP`), or corrects its drift. It does not restrict inbound mail to Essentials' ranges: while MX still points at Microsoft that would reject all of the tenant's inbound mail. A restriction found on while some domain's MX points elsewhere is lifted.", nil),
        "outbound-connector": ("Creates the outbound connector through Essentials' smart hosts, **disabled**, or corrects drift without touching its state.", nil),
        "bypass-spam-rule": ("Creates the transport rule that sets SCL -1 for Essentials' ranges, corrects drift, and enables it.", nil),
        "spf-check": ("Waits, re-checking DNS on a schedule, until every imported domain's SPF record authorizes Essentials and will pass at receivers: exactly one `v=spf1` record, at most 10 DNS lookups counting nested includes, at most 2 that find nothing, no include loop, and a `-all` or `~all` (not `+all`). The waiting message says what to change, per domain.", "The customer adds `include:_spf-us.ppe-hosted.com` (or the region's) to each domain's SPF record; nothing to confirm."),
        "enable-outbound-connector": ("Enables the outbound connector, only after the SPF check.", nil),
        "remediation-readiness": ("Checks that the app token carries Mail.ReadWrite, so one-click remediation can move messages; blocked otherwise.", "If blocked: a Global Admin grants Mail.ReadWrite, then `onboard resume RUN`."),
        "mx-check": ("Waits, re-checking DNS on a schedule, until every imported domain's MX records name only the region's Essentials hosts (`mx1-us1.ppe-hosted.com`, `mx2-us1.ppe-hosted.com`); `*.onmicrosoft.com` domains are not gated. The waiting message says what to change, per domain.", "The customer points each domain's MX at the Essentials hosts; nothing to confirm."),
        "lockdown-audit": ("Creates the audit transport rule: external mail that did not arrive from Essentials' ranges gets the header `X-Essentials-Lockdown-Audit`, so admins see what the lockdown would reject. Nothing while no domain routes through Essentials.", nil),
        "inbound-lockdown": ("After the audit period and a person's go-ahead, restricts the inbound connector to Essentials' addresses (`RestrictDomainsToIPAddresses`), so mail that bypasses Essentials is rejected. Checks MX again first and waits while any domain's mail arrives elsewhere; locks nothing when no domain routes through Essentials.", "An admin looks for the audit header in message trace for a few days, then `onboard confirm RUN inbound-lockdown`."),
        "child-organizations": (
            "For a parent org: turns on \"Allow customers to use integrations\" and lists the children; the host then starts one run per child (`ChildOnboarding`, run id `PARENT/child.example`).",
            "Each child's own Global Admin consents in that child's run (`onboard show PARENT/child.example`)."
        ),
    ]

    /// `Docs/TheOnboardingWorkflow.md`, generated from the graph's tasks and their declarations.
    public static func documentation(_ graph: TaskGraph) -> String {
        var text = """
            # The onboarding workflow

            <!-- Generated from the code by EssentialsWorkflow.documentation(_:); do not edit by hand.
                 Regenerate: UPDATE_DOCS=1 swift test --filter WorkflowDocumentationTests -->

            The integration guide's Microsoft 365 onboarding (`\(graph.workflow)`) as a graph of idempotent tasks.
            Rounded nodes only read; square ones change the tenant or Essentials. A task starts when every task it
            depends on has succeeded (or was skipped).

            ```mermaid
            \(GraphRenderer(graph: graph).mermaid())```

            ## Tasks

            | Task | Does | Needs | Effect |
            | --- | --- | --- | --- |

            """
        for descriptor in graph.descriptors {
            let summary = summaries[descriptor.id]?.does ?? ""
            let needs = descriptor.requiredPermissions.map { "`\($0)`" }.joined(separator: ", ")
            text += "| `\(descriptor.id)` | \(summary) | \(needs.isEmpty ? "–" : needs) | \(descriptor.effect.rawValue) |\n"
        }
        text += """

            ## What a person must do

            | Task | Action |
            | --- | --- |

            """
        for descriptor in graph.descriptors {
            if let person = summaries[descriptor.id]?.person { text += "| `\(descriptor.id)` | \(person) |\n" }
        }
        text += """

            ## Permissions

            Each permission the guide lists, the guide's reason, and the tasks that declare it. `Essentials.*` are the
            Essentials admin accounts the host signs in with, not Microsoft permissions.

            | Permission | Guide's reason | Tasks |
            | --- | --- | --- |

            """
        for row in permissionTable(graph) {
            let tasks = row.tasks.map { "`\($0)`" }.joined(separator: ", ")
            text += "| `\(row.permission)` | \(row.reason ?? "–") | \(tasks) |\n"
        }
        return text
    }
}
