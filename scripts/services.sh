#!/usr/bin/env bash
# Starts and stops the project's own PostgreSQL+PostGIS cluster and Redis server, kept under .run/.
#   scripts/services.sh start|stop|status
# Each is skipped when the caller brings its own (DATABASE_URL / REDIS_URL set in the environment:
# the Makefile passes EVILLAGE_LOCAL_PG=1 / EVILLAGE_LOCAL_REDIS=1 only when they are not).
# Ports come from EVILLAGE_PG_PORT and EVILLAGE_REDIS_PORT (the Makefile derives them from the
# project's folder, so two clones on one machine do not share a server).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
run="$root/.run"
pgdata="$run/pgdata"
pg_port=${EVILLAGE_PG_PORT:?EVILLAGE_PG_PORT is not set}
redis_port=${EVILLAGE_REDIS_PORT:?EVILLAGE_REDIS_PORT is not set}
pg_bin=/usr/lib/postgresql/$(ls /usr/lib/postgresql | sort -V | tail -n 1)/bin

# initdb and postgres refuse to run as root: then the cluster belongs to Debian's `postgres` user.
if [ "$(id -u)" = 0 ]; then
    pg_user=postgres
    as_pg() { runuser -u postgres -- "$@"; }
else
    pg_user=$(id -un)
    as_pg() { "$@"; }
fi

pg_running() { [ -f "$pgdata/postmaster.pid" ] && as_pg "$pg_bin/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; }
redis_running() { [ -f "$run/redis.pid" ] && kill -0 "$(cat "$run/redis.pid")" 2>/dev/null; }

psql_admin() { "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -X -q -v ON_ERROR_STOP=1 "$@"; }

start_pg() {
    mkdir -p "$run"
    if [ ! -f "$pgdata/PG_VERSION" ]; then
        echo "==> Creating the project's PostgreSQL cluster in .run/pgdata (port $pg_port)"
        mkdir -p "$pgdata"
        chown "$pg_user" "$pgdata"
        chmod 700 "$pgdata"
        if ! as_pg test -w "$pgdata"; then
            echo "error: user '$pg_user' cannot write $pgdata (is a parent folder closed to it?)" >&2
            exit 1
        fi
        as_pg "$pg_bin/initdb" -D "$pgdata" -U postgres --auth=trust -E UTF8 --no-locale >"$run/initdb.log" 2>&1 \
            || { cat "$run/initdb.log" >&2; exit 1; }
    fi
    if ! pg_running; then
        if "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port"; then
            echo "error: another server already listens on 127.0.0.1:$pg_port (a clone that was deleted" \
                "without 'make stop'?). Stop it, or choose another port with EVILLAGE_PG_PORT." >&2
            exit 1
        fi
        echo "==> Starting PostgreSQL on 127.0.0.1:$pg_port"
        # The socket lives in the cluster folder: nothing outside the project is touched.
        as_pg "$pg_bin/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w -t 60 \
            -o "-p $pg_port -c listen_addresses=127.0.0.1 -k $pgdata" start >/dev/null \
            || { tail -n 20 "$pgdata/server.log" >&2; exit 1; }
    fi
    # Role and database: superuser, because Django's test runner creates the postgis extension itself.
    if ! psql_admin -tAc "select 1 from pg_roles where rolname = 'evillage'" | grep -q 1; then
        psql_admin -c "create role evillage login superuser"
    fi
    if ! psql_admin -tAc "select 1 from pg_database where datname = 'evillage'" | grep -q 1; then
        psql_admin -c "create database evillage owner evillage"
    fi
    psql_admin -d evillage -c "create extension if not exists postgis" 2>/dev/null
}

stop_pg() {
    if pg_running; then
        echo "==> Stopping PostgreSQL"
        as_pg "$pg_bin/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null
    fi
}

start_redis() {
    mkdir -p "$run/redis"
    if ! redis_running; then
        if redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
            echo "error: another server already listens on 127.0.0.1:$redis_port (a clone that was deleted" \
                "without 'make stop'?). Stop it, or choose another port with EVILLAGE_REDIS_PORT." >&2
            exit 1
        fi
        echo "==> Starting Redis on 127.0.0.1:$redis_port"
        redis-server --daemonize yes --bind 127.0.0.1 --port "$redis_port" --dir "$run/redis" \
            --pidfile "$run/redis.pid" --logfile "$run/redis.log" --save "" --appendonly no
        for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && return; sleep 0.1; done
        echo "error: Redis did not start, see .run/redis.log" >&2
        exit 1
    fi
}

stop_redis() {
    if redis_running; then
        echo "==> Stopping Redis"
        redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || kill "$(cat "$run/redis.pid")"
        for _ in $(seq 50); do redis_running || break; sleep 0.1; done
        rm -f "$run/redis.pid"
    fi
}

case "${1:-}" in
start)
    [ "${EVILLAGE_LOCAL_PG:-0}" = 1 ] && start_pg
    [ "${EVILLAGE_LOCAL_REDIS:-0}" = 1 ] && start_redis
    ;;
stop)
    stop_pg
    stop_redis
    ;;
status)
    pg_running && echo "PostgreSQL: running on port $pg_port" || echo "PostgreSQL: stopped"
    redis_running && echo "Redis: running on port $redis_port" || echo "Redis: stopped"
    ;;
*)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
exit 0
