#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests of several tuning workers on one Optuna study.
#
#   bash scripts/postgres.sh start DIR   # prints the server's SQLAlchemy URL on stdout
#   bash scripts/postgres.sh stop DIR    # stops the server and removes DIR, whatever state it is in
#
# DIR must be a new, empty directory (mktemp -d). The server listens on a free port of 127.0.0.1
# only, trusts local connections (it holds nothing but test studies) and runs without fsync.
# When PostgreSQL is not installed and this runs as root (CI on a fresh Debian machine), it is
# installed from the system packages first. PostgreSQL refuses to run as root, so as root the
# server runs as the `postgres` user that the package creates.
set -euo pipefail

DATABASE=advisor_test

die() {
    echo "postgres.sh: $*" >&2
    exit 1
}

# The newest installed server's bin directory (Debian keeps it off PATH), or nothing.
find_bin() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return
        fi
    done
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v pg_ctl)"
    fi
}

install_postgres() {
    [ "$(id -u)" -eq 0 ] || die "PostgreSQL is not installed (no initdb/pg_ctl); install the postgresql package."
    echo "postgres.sh: installing PostgreSQL from the system packages" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends postgresql >/dev/null
}

# Run a command as the server's user: `postgres` when we are root, else ourselves.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
    local dir="$1" bin port
    [ -d "$dir" ] || die "no directory $dir; give a new one (mktemp -d)."
    bin="$(find_bin)"
    if [ -z "$bin" ]; then
        install_postgres
        bin="$(find_bin)"
        [ -n "$bin" ] || die "the postgresql package installed no initdb/pg_ctl under /usr/lib/postgresql/*/bin."
    fi
    if [ "$(id -u)" -eq 0 ]; then
        getent passwd postgres >/dev/null || die "no postgres user to run the server as (PostgreSQL refuses root)."
        chown postgres "$dir"
    fi
    echo "$bin" >"$dir/bin"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; die "initdb failed."; }
    # A port taken between free_port and the server's bind fails the start: try a few.
    for _ in 1 2 3 4 5; do
        port="$(free_port)"
        if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
            -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" \
            >/dev/null 2>&1; then
            echo "$port" >"$dir/port"
            "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$DATABASE" \
                || die "createdb $DATABASE failed (see $dir/server.log)."
            echo "postgresql+psycopg://postgres@127.0.0.1:$port/$DATABASE"
            return
        fi
    done
    cat "$dir/server.log" >&2 2>/dev/null || true
    die "the server did not start."
}

stop() {
    local dir="$1"
    [ -d "$dir" ] || return 0
    if [ -f "$dir/bin" ] && [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$(cat "$dir/bin")/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
}

case "${1:-}" in
    start) start "${2:?usage: postgres.sh start DIR}" ;;
    stop) stop "${2:?usage: postgres.sh stop DIR}" ;;
    *) die "usage: postgres.sh start|stop DIR" ;;
esac
