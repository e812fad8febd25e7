/// The journal's schema and its forward-only migrations.
///
/// `PRAGMA application_id` marks the file as an onboarding journal; `PRAGMA user_version` is the
/// schema version. An upgrade runs every migration it needs in one IMMEDIATE transaction. See `Docs/JournalFormat.md`.
enum JournalSchema {
    /// "ONBJ" as a big-endian 32-bit integer.
    static let applicationID: Int32 = 0x4F4E_424A
    /// The newest schema version this library writes and reads.
    static var currentVersion: Int { migrations.count }

    /// `migrations[n]` upgrades a journal from version `n` to `n + 1`.
    static let migrations: [String] = [
        """
        CREATE TABLE runs (
            id               TEXT PRIMARY KEY NOT NULL,
            workflow         TEXT NOT NULL,
            fingerprint      TEXT NOT NULL,
            graph            TEXT NOT NULL,
            input            BLOB NOT NULL,
            options          TEXT NOT NULL,
            state            TEXT NOT NULL,
            dry_run          INTEGER NOT NULL DEFAULT 0,
            created_at       REAL NOT NULL,
            updated_at       REAL NOT NULL,
            lease_owner      TEXT,
            lease_expires_at REAL,
            cancel_requested INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX runs_by_state ON runs (state, created_at);
        CREATE TABLE tasks (
            run_id          TEXT NOT NULL REFERENCES runs (id),
            task_id         TEXT NOT NULL,
            position        INTEGER NOT NULL,
            state           TEXT NOT NULL,
            attempts        INTEGER NOT NULL DEFAULT 0,
            crashes         INTEGER NOT NULL DEFAULT 0,
            output          BLOB,
            error           TEXT,
            park            TEXT,
            confirmation    TEXT,
            observation     TEXT,
            checkpoint      BLOB,
            next_attempt_at REAL,
            updated_at      REAL NOT NULL,
            PRIMARY KEY (run_id, task_id)
        ) WITHOUT ROWID;
        CREATE TABLE events (
            run_id  TEXT NOT NULL REFERENCES runs (id),
            seq     INTEGER NOT NULL,
            task_id TEXT,
            at      REAL NOT NULL,
            actor   TEXT NOT NULL,
            action  TEXT NOT NULL,
            reason  TEXT,
            attempt INTEGER,
            PRIMARY KEY (run_id, seq)
        ) WITHOUT ROWID;
        CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
        CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
            BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
        """,
        // v2: a CRC-32C beside each stored graph, input, output and checkpoint, verified on read.
        // `onboarding_crc32c` is registered on every connection the journal opens.
        """
        ALTER TABLE runs ADD COLUMN graph_crc INTEGER;
        ALTER TABLE runs ADD COLUMN input_crc INTEGER;
        ALTER TABLE tasks ADD COLUMN output_crc INTEGER;
        ALTER TABLE tasks ADD COLUMN checkpoint_crc INTEGER;
        UPDATE runs SET graph_crc = onboarding_crc32c(graph), input_crc = onboarding_crc32c(input);
        UPDATE tasks SET output_crc = onboarding_crc32c(output), checkpoint_crc = onboarding_crc32c(checkpoint);
        """,
        // v3: an ended run's events may be deleted (pruning); a live run's never.
        """
        DROP TRIGGER events_are_append_only_delete;
        CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
            WHEN coalesce((SELECT state FROM runs WHERE id = OLD.run_id), '') NOT IN ('succeeded', 'cancelled', 'failed')
            BEGIN SELECT RAISE(ABORT, 'the event log is append-only while its run is live'); END;
        """,
        // v4: durable timers, messages to a run's owner, and the workers serving the journal.
        // `wake_at` is when a parked run next needs attention (its earliest retry, re-check or
        // change-window opening; NULL while it waits only for a person or for permissions).
        """
        ALTER TABLE runs ADD COLUMN wake_at REAL;
        UPDATE runs SET wake_at = (
            SELECT min(next_attempt_at) FROM tasks WHERE tasks.run_id = runs.id AND tasks.state IN ('pending', 'waiting'))
        WHERE state IN ('waiting', 'blocked');
        CREATE INDEX runs_by_wake ON runs (wake_at) WHERE wake_at IS NOT NULL;
        CREATE TABLE run_messages (
            seq     INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id  TEXT NOT NULL REFERENCES runs (id),
            kind    TEXT NOT NULL,
            task_id TEXT,
            actor   TEXT NOT NULL,
            note    TEXT,
            at      REAL NOT NULL
        );
        CREATE INDEX run_messages_by_run ON run_messages (run_id);
        CREATE TABLE workers (
            id           TEXT PRIMARY KEY NOT NULL,
            started_at   REAL NOT NULL,
            heartbeat_at REAL NOT NULL
        ) WITHOUT ROWID;
        """,
        // v5: the lease check each commit makes reads this index alone, not the run's row, whose
        // stored graph (hundreds of kilobytes for a large run) comes before the lease columns.
        """
        CREATE INDEX runs_lease ON runs (id, lease_owner, cancel_requested);
        """,
        // v6: listings and filters over many runs (the support console). `runs_listing` covers what a
        // listing reads of a run, so filtering and paging never read a run's row and its stored graph;
        // `tasks_attention` holds only the tasks a run stopped at (failed, waiting, blocked).
        """
        CREATE INDEX runs_listing ON runs (
            created_at, id, state, workflow, updated_at, dry_run, lease_owner, lease_expires_at, input_crc, input);
        CREATE INDEX tasks_attention ON tasks (task_id, run_id) WHERE state IN ('failed', 'waiting', 'blocked');
        """,
        // v7: `tasks_attention`'s condition as comparisons instead of an `IN` list. SQLite evaluates a
        // partial index's condition for the old and the new row of every `UPDATE` of a task, and codes an
        // `IN` list of three or more values as a temporary B-tree it builds on each execution: two per
        // task update, about 80,000 instructions per task of a chain. The comparisons cost a few. A query
        // uses the index only when its `WHERE` holds the same condition (`attentionCondition`).
        """
        DROP INDEX tasks_attention;
        CREATE INDEX tasks_attention ON tasks (task_id, run_id) WHERE \(attentionCondition());
        """,
    ]

    /// The condition of the partial index `tasks_attention` (schema 7): a task a run stopped at
    /// (failed, waiting, blocked). A query that reads the index must say it in these words
    /// (SQLite matches a partial index's condition by its expression), qualified by the table's
    /// alias where the query joins another table with a `state`.
    static func attentionCondition(_ table: String? = nil) -> String {
        let state = table.map { "\($0).state" } ?? "state"
        return "(\(state) = 'failed' OR \(state) = 'waiting' OR \(state) = 'blocked')"
    }
}
