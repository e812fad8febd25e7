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
        // A task's commit in one round trip: the runner's batch applied by one function call in
        // its own transaction. Each statement inside sees what committed before it (a volatile
        // function), so the sequence numbers and the durable timer read after the run's row
        // lock are the latest, as in the multi-statement transaction this replaces.
        [
            """
            CREATE FUNCTION onboarding_commit(
                p_run text, p_owner text, p_tasks jsonb, p_events jsonb, p_state text, p_at double precision,
                p_consumed bigint[], p_release boolean) RETURNS boolean LANGUAGE plpgsql AS $$
            DECLARE
                v_holder text;
                v_cancel boolean := false;
            BEGIN
                SELECT lease_owner, cancel_requested INTO v_holder, v_cancel FROM runs WHERE id = p_run FOR UPDATE;
                IF p_owner IS NOT NULL AND (NOT FOUND OR v_holder IS DISTINCT FROM p_owner) THEN
                    RAISE EXCEPTION USING ERRCODE = '\(leaseLost)', MESSAGE = 'the run''s lease is held by another engine',
                        DETAIL = coalesce(v_holder, '');
                END IF;
                UPDATE tasks t
                SET state = u.state, attempts = u.attempts, crashes = u.crashes, output = decode(u.output, 'base64'),
                    output_crc = u.output_crc, error = u.error, park = u.park, confirmation = u.confirmation,
                    observation = u.observation, next_attempt_at = u.next_attempt_at, updated_at = u.updated_at
                FROM jsonb_to_recordset(p_tasks) AS u (
                    task_id text, state text, attempts integer, crashes integer, output text, output_crc bigint, error text,
                    park text, confirmation text, observation text, next_attempt_at double precision,
                    updated_at double precision)
                WHERE t.run_id = p_run AND t.task_id = u.task_id;
                INSERT INTO events (run_id, seq, task_id, at, actor, action, reason, attempt)
                SELECT p_run, (SELECT coalesce(max(seq), 0) FROM events WHERE run_id = p_run) + e.n,
                       e.task_id, e.at, e.actor, e.action, e.reason, e.attempt
                FROM jsonb_to_recordset(p_events) AS e (
                    n integer, task_id text, at double precision, actor text, action text, reason text, attempt integer);
                IF p_state IS NOT NULL THEN
                    UPDATE runs SET state = p_state, updated_at = p_at WHERE id = p_run;
                END IF;
                IF cardinality(p_consumed) > 0 THEN
                    DELETE FROM run_messages WHERE run_id = p_run AND seq = ANY (p_consumed);
                END IF;
                IF p_release THEN
                    UPDATE runs SET lease_owner = NULL, lease_expires_at = NULL, wake_at = CASE
                        WHEN state IN ('succeeded', 'cancelled') THEN NULL
                        WHEN EXISTS (SELECT 1 FROM run_messages WHERE run_id = p_run) THEN 0
                        WHEN state = 'failed' THEN NULL
                        ELSE (SELECT min(next_attempt_at) FROM tasks WHERE run_id = p_run AND state IN ('pending', 'waiting'))
                    END
                    WHERE id = p_run;
                END IF;
                RETURN coalesce(v_cancel, false);
            END $$
            """
        ],
        // v3: listings and filters over many runs (the support console): newest first without a sort,
        // and an index of only the tasks a run stopped at (failed, waiting, blocked).
        [
            "CREATE INDEX runs_listing ON runs (created_at DESC, id)",
            "CREATE INDEX tasks_attention ON tasks (task_id, run_id) WHERE state IN ('failed', 'waiting', 'blocked')",
        ],
    ]

    /// The SQLSTATE `onboarding_commit` raises when another engine holds the run's lease; the
    /// holder is the error's detail.
    static let leaseLost = "OJ001"
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
