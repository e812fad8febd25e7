# A throw-away PostgreSQL cluster on loopback for the journal's PostgreSQL tests.
#
#   source .ci/postgres.sh && start_test_postgres     # exports ONBOARDING_TEST_POSTGRES
#   stop_test_postgres                                # also run by the EXIT trap start_test_postgres sets
#
# The cluster lives in a temporary folder, listens on 127.0.0.1 on a free port and its Unix socket
# in that folder, trusts loopback connections (nothing else can reach it), and is run by an
# unprivileged user (initdb refuses root): `onboarding-ci` when this runs as root.

pg_bindir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null \
        || echo $((20000 + RANDOM % 20000))
}

pg_as_owner() {
    if [ "$(id -u)" = 0 ]; then
        su -s /bin/sh "$ONBOARDING_PG_USER" -c "$*"
    else
        sh -c "$*"
    fi
}

start_test_postgres() {
    local bin port
    bin=$(pg_bindir) || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; return 1; }
    ONBOARDING_PG_USER=onboarding-ci
    if [ "$(id -u)" = 0 ] && ! id -u "$ONBOARDING_PG_USER" >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin "$ONBOARDING_PG_USER"
    fi
    ONBOARDING_PG_DIR=$(mktemp -d /tmp/onboarding-pg.XXXXXX)
    [ "$(id -u)" = 0 ] && chown "$ONBOARDING_PG_USER" "$ONBOARDING_PG_DIR"
    port=$(free_port)
    ONBOARDING_PG_BIN=$bin
    export ONBOARDING_PG_USER ONBOARDING_PG_DIR ONBOARDING_PG_BIN
    trap stop_test_postgres EXIT
    pg_as_owner "'$bin/initdb' -D '$ONBOARDING_PG_DIR/data' -U onboarding --auth=trust -E UTF8 --no-sync >'$ONBOARDING_PG_DIR/initdb.log' 2>&1" \
        || { cat "$ONBOARDING_PG_DIR/initdb.log" >&2; return 1; }
    pg_as_owner "'$bin/pg_ctl' -D '$ONBOARDING_PG_DIR/data' -l '$ONBOARDING_PG_DIR/server.log' -w -t 60 \
        -o \"-p $port -k '$ONBOARDING_PG_DIR' -c listen_addresses=127.0.0.1 -c max_connections=300\" start >/dev/null" \
        || { cat "$ONBOARDING_PG_DIR/server.log" >&2; return 1; }
    export ONBOARDING_TEST_POSTGRES="postgres://onboarding@127.0.0.1:$port/postgres"
    echo "PostgreSQL for the tests: $ONBOARDING_TEST_POSTGRES"
}

stop_test_postgres() {
    [ -n "${ONBOARDING_PG_DIR:-}" ] && [ -d "$ONBOARDING_PG_DIR" ] || return 0
    pg_as_owner "'$ONBOARDING_PG_BIN/pg_ctl' -D '$ONBOARDING_PG_DIR/data' -m immediate -w stop >/dev/null 2>&1" || true
    rm -rf "$ONBOARDING_PG_DIR"
    ONBOARDING_PG_DIR=
}
