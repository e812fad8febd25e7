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

# start_cluster DIR PORT: a new cluster in DIR (created, owned by the unprivileged user) listening
# on 127.0.0.1:PORT and a socket in DIR. No trap: the caller stops it (stop_cluster DIR).
start_cluster() {
    local dir=$1 port=$2 bin
    bin=$(pg_bindir) || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; return 1; }
    ONBOARDING_PG_USER=${ONBOARDING_PG_USER:-onboarding-ci}
    if [ "$(id -u)" = 0 ] && ! id -u "$ONBOARDING_PG_USER" >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin "$ONBOARDING_PG_USER"
    fi
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown "$ONBOARDING_PG_USER" "$dir"
    pg_as_owner "'$bin/initdb' -D '$dir/data' -U onboarding --auth=trust -E UTF8 --no-sync >'$dir/initdb.log' 2>&1" \
        || { cat "$dir/initdb.log" >&2; return 1; }
    pg_as_owner "'$bin/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -t 60 \
        -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c max_connections=300\" start >/dev/null" \
        || { cat "$dir/server.log" >&2; return 1; }
}

# stop_cluster DIR: stops the cluster in DIR and removes DIR.
stop_cluster() {
    local dir=$1
    [ -n "$dir" ] && [ -d "$dir" ] || return 0
    ONBOARDING_PG_USER=${ONBOARDING_PG_USER:-onboarding-ci}
    pg_as_owner "'$(pg_bindir)/pg_ctl' -D '$dir/data' -m immediate -w stop >/dev/null 2>&1" || true
    rm -rf "$dir"
}

start_test_postgres() {
    local port
    ONBOARDING_PG_USER=onboarding-ci
    ONBOARDING_PG_DIR=$(mktemp -d /tmp/onboarding-pg.XXXXXX)
    ONBOARDING_PG_BIN=$(pg_bindir) || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; return 1; }
    export ONBOARDING_PG_USER ONBOARDING_PG_DIR ONBOARDING_PG_BIN
    trap stop_test_postgres EXIT
    port=$(free_port)
    start_cluster "$ONBOARDING_PG_DIR" "$port" || return 1
    export ONBOARDING_TEST_POSTGRES="postgres://onboarding@127.0.0.1:$port/postgres"
    echo "PostgreSQL for the tests: $ONBOARDING_TEST_POSTGRES"
}

stop_test_postgres() {
    stop_cluster "${ONBOARDING_PG_DIR:-}"
    ONBOARDING_PG_DIR=
}

