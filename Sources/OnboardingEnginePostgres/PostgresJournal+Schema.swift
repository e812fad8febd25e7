import Foundation
import OnboardingEngine
import PostgresNIO

/// The journal's tables on PostgreSQL and their forward-only migrations.
///
/// The table `onboarding_journal` marks a database as a journal (`format`) and holds its schema
/// version (`schema`). An upgrade runs every migration it needs in one transaction, holding an
/// advisory lock so two hosts starting at once upgrade it once.
enum PostgresSchema {
    /// "ONBJ", the SQLite journal's application id, as the advisory lock's key.
    static let lockKey: Int64 = 0x4F4E_424A
    static let format = "onboarding-journal"
    static var currentVersion: Int { migrations.count }

    /// `migrations[n]` upgrades a journal from version `n` to `n + 1`.
    static let migrations: [[String]] = [
        [
            "CREATE TABLE onboarding_journal (key text PRIMARY KEY, value text NOT NULL)",
            """
            CREATE TABLE runs (
                id               text PRIMARY KEY,
                workflow         text NOT NULL,
                fingerprint      text NOT NULL,
                graph            text NOT NULL,
                graph_crc        bigint NOT NULL,
                input            bytea NOT NULL,
                input_crc        bigint NOT NULL,
                options          text NOT NULL,
                state            text NOT NULL,
                dry_run          boolean NOT NULL DEFAULT false,
                created_at       double precision NOT NULL,
                updated_at       double precision NOT NULL,
                lease_owner      text,
                lease_expires_at double precision,
                cancel_requested boolean NOT NULL DEFAULT false,
                wake_at          double precision
            )
            """,
            "CREATE INDEX runs_by_state ON runs (state, created_at)",
            "CREATE INDEX runs_by_wake ON runs (wake_at) WHERE wake_at IS NOT NULL",
            """
            CREATE TABLE tasks (
                run_id          text NOT NULL REFERENCES runs (id),
                task_id         text NOT NULL,
                position        integer NOT NULL,
                state           text NOT NULL,
                attempts        integer NOT NULL DEFAULT 0,
                crashes         integer NOT NULL DEFAULT 0,
                output          bytea,
                output_crc      bigint,
                error           text,
                park            text,
                confirmation    text,
                observation     text,
                checkpoint      bytea,
                checkpoint_crc  bigint,
                next_attempt_at double precision,
                updated_at      double precision NOT NULL,
                PRIMARY KEY (run_id, task_id)
            )
            """,
            """
            CREATE TABLE events (
                run_id  text NOT NULL REFERENCES runs (id),
                seq     bigint NOT NULL,
                task_id text,
                at      double precision NOT NULL,
                actor   text NOT NULL,
                action  text NOT NULL,
                reason  text,
                attempt integer,
                PRIMARY KEY (run_id, seq)
            )
            """,
            // Append-only: no update ever; a delete only of an ended run's events (pruning).
            """
            CREATE FUNCTION onboarding_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'UPDATE' THEN
                    RAISE EXCEPTION 'the event log is append-only';
                END IF;
                IF coalesce((SELECT state FROM runs WHERE id = OLD.run_id), '') NOT IN ('succeeded', 'cancelled', 'failed') THEN
                    RAISE EXCEPTION 'the event log is append-only while its run is live';
                END IF;
                RETURN OLD;
            END $$
            """,
            """
            CREATE TRIGGER events_are_append_only BEFORE UPDATE OR DELETE ON events
                FOR EACH ROW EXECUTE FUNCTION onboarding_events_append_only()
            """,
            """
            CREATE TABLE run_messages (
                seq     bigserial PRIMARY KEY,
                run_id  text NOT NULL REFERENCES runs (id),
                kind    text NOT NULL,
                task_id text,
                actor   text NOT NULL,
                note    text,
                at      double precision NOT NULL
            )
            """,
            "CREATE INDEX run_messages_by_run ON run_messages (run_id)",
            """
            CREATE TABLE workers (
                id           text PRIMARY KEY,
                started_at   double precision NOT NULL,
                heartbeat_at double precision NOT NULL
            )
            """,
        ],
        // v2: listings and filters over many runs (the support console): newest first without a sort,
        // and an index of only the tasks a run stopped at (failed, waiting, blocked).
        [
            "CREATE INDEX runs_listing ON runs (created_at DESC, id)",
            "CREATE INDEX tasks_attention ON tasks (task_id, run_id) WHERE state IN ('failed', 'waiting', 'blocked')",
        ],
    ]
}

extension PostgresJournal {
    /// Checks (and creates or upgrades) the journal's tables; see ``open(_:logger:)``.
    func prepareSchema(create: Bool) async throws {
        try await transaction { [self] connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.lockKey))", logger: logger)
            var marked = false
            for try await exists in try await connection.query(
                "SELECT to_regclass('onboarding_journal') IS NOT NULL", logger: logger
            ).decode(Bool.self) { marked = exists }
            var version = 0
            if marked {
                var format: String?
                for try await (key, value) in try await connection.query(
                    "SELECT key, value FROM onboarding_journal", logger: logger
                ).decode((String, String).self) {
                    if key == "format" { format = value }
                    if key == "schema" { version = Int(value) ?? 0 }
                }
                guard format == PostgresSchema.format, version > 0 else {
                    throw JournalError(
                        .corrupt,
                        "The database \(location) is marked as an onboarding journal but its marker is damaged. It was left untouched.",
                        path: location)
                }
            } else {
                var tables = 0
                for try await count in try await connection.query(
                    "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()", logger: logger
                ).decode(Int.self) { tables = count }
                guard tables == 0 else {
                    throw JournalError(
                        .notAJournal,
                        "The database \(location) holds another program's tables, not an onboarding journal. It was left untouched; give an empty database, or the journal's.",
                        path: location)
                }
                guard create else {
                    throw JournalError(.cannotOpen, "There is no journal in the database \(location).", path: location)
                }
            }
            guard version <= PostgresSchema.currentVersion else {
                throw JournalError(
                    .newerSchema,
                    "The journal in \(location) was written by a newer version of the onboarding engine (schema \(version); this one reads up to \(PostgresSchema.currentVersion)). Upgrade the tool; the database was left untouched.",
                    path: location)
            }
            guard version < PostgresSchema.currentVersion else { return }
            for target in (version + 1)...PostgresSchema.currentVersion {
                for statement in PostgresSchema.migrations[target - 1] {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
            }
            let current = String(PostgresSchema.currentVersion)
            try await connection.query(
                """
                INSERT INTO onboarding_journal (key, value) VALUES ('format', \(PostgresSchema.format)), ('schema', \(current))
                ON CONFLICT (key) DO UPDATE SET value = excluded.value
                """, logger: logger)
        }
    }
}
