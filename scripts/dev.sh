#!/usr/bin/env bash
# Developer entry point behind the Makefile: installs what is missing, runs the
# project-local PostgreSQL cluster, and wraps sqitch. Usage: scripts/dev.sh <command>
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="$ROOT/.venv"
PGROOT="$ROOT/.pgdata"
PGDATA_DIR="$PGROOT/data"
SOCKET_DIR="$PGROOT/run"
LOCAL_PG_PORT="${LOCAL_PG_PORT:-54329}"
DB_NAME="ai_orchestrator"
SUPERUSER="postgres"   # the local cluster's bootstrap superuser, whoever runs it

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# --- PostgreSQL discovery --------------------------------------------------------

pg_bindir() {
    # Newest installed server major; never hard-coded.
    local major
    major="$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n1)"
    [ -n "$major" ] && [ -x "/usr/lib/postgresql/$major/bin/initdb" ] && echo "/usr/lib/postgresql/$major/bin"
}

pg_major() { basename "$(dirname "$(pg_bindir)")"; }

# --- installation ------------------------------------------------------------------

APT_UPDATED=""
apt_install() {
    [ "$#" -gt 0 ] || return 0
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    say "installing Debian packages: $*"
    if [ -z "$APT_UPDATED" ]; then $sudo apt-get update -qq; APT_UPDATED=1; fi
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

install_system() {
    local missing=()
    if [ -z "$(pg_bindir)" ]; then
        # No server yet: Debian's default major brings client, server and contrib.
        apt_install postgresql postgresql-contrib
    fi
    local major; major="$(pg_major)"
    command -v sqitch >/dev/null || missing+=(sqitch)
    command -v pg_prove >/dev/null || missing+=(libtap-parser-sourcehandler-pgtap-perl)
    [ -f "/usr/share/postgresql/$major/extension/pgtap.control" ] || missing+=("postgresql-$major-pgtap")
    command -v psql >/dev/null || missing+=("postgresql-client-$major")
    command -v python3 >/dev/null || missing+=(python3 python3-venv)
    apt_install "${missing[@]}"
}

install_python() {
    local stamp="$VENV/.installed"
    if [ ! -x "$VENV/bin/python" ]; then
        say "creating .venv"
        python3 -m venv "$VENV" || { apt_install python3-venv; python3 -m venv "$VENV"; }
    fi
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
        say "installing Python dependencies into .venv"
        "$VENV/bin/pip" install -q --disable-pip-version-check -e '.[test]'
        touch "$stamp"
    fi
}

bootstrap() { install_system; install_python; }

# The benchmark's load generators: pgbench (with the server package) and wrk.
install_bench_tools() {
    local missing=()
    pgbench --version >/dev/null 2>&1 || missing+=("postgresql-$(pg_major)")
    command -v wrk >/dev/null || missing+=(wrk)
    apt_install "${missing[@]}"
    [ -x "$VENV/bin/granian" ] || "$VENV/bin/pip" install -q --disable-pip-version-check -e '.[test,bench]'

}

# --- the project-local cluster -----------------------------------------------------

as_pg_owner() {
    # PostgreSQL refuses to run as root: hand the cluster to the postgres system user.
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

local_url() {  # [database] [user]
    echo "postgresql:///${1:-$DB_NAME}?host=$SOCKET_DIR&port=$LOCAL_PG_PORT&user=${2:-$SUPERUSER}"
}

db_start() {
    local bin; bin="$(pg_bindir)" || die "no PostgreSQL server found; run: make run (it installs one)"
    mkdir -p "$PGROOT"
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
        chown postgres: "$PGROOT"
        # The postgres user must be able to reach the project directory.
        runuser -u postgres -- test -x "$ROOT" || die "user 'postgres' cannot enter $ROOT; chmod o+x its parent directories"
    fi
    if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
        say "creating the project-local cluster in .pgdata/"
        as_pg_owner "$bin/initdb" -D "$PGDATA_DIR" -U "$SUPERUSER" --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
        cat >>"$PGDATA_DIR/postgresql.conf" <<EOF
# project-local cluster: Unix socket only, inside the project
listen_addresses = ''
unix_socket_directories = '$SOCKET_DIR'
port = $LOCAL_PG_PORT
shared_preload_libraries = 'pg_stat_statements'
max_connections = 200
shared_buffers = 512MB
logging_collector = off
EOF
    fi
    as_pg_owner mkdir -p "$SOCKET_DIR"
    if ! as_pg_owner "$bin/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; then
        say "starting PostgreSQL $(pg_major) on $SOCKET_DIR port $LOCAL_PG_PORT"
        as_pg_owner "$bin/pg_ctl" -D "$PGDATA_DIR" -l "$PGROOT/server.log" -w -t 60 start >/dev/null \
            || { tail -n 20 "$PGROOT/server.log" >&2; die "PostgreSQL did not start"; }
    fi
    if ! psql "$(local_url postgres)" -XtAc "select 1 from pg_database where datname = '$DB_NAME'" | grep -q 1; then
        psql "$(local_url postgres)" -Xqc "create database $DB_NAME"
    fi
}

db_stop() {
    local bin; bin="$(pg_bindir)" || return 0
    if [ -f "$PGDATA_DIR/PG_VERSION" ]; then
        as_pg_owner "$bin/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null 2>&1 || true
        say "PostgreSQL stopped"
    fi
}

# The URL every other command uses: DATABASE_URL when given, else the local cluster.
database_url() {
    if [ -n "${DATABASE_URL:-}" ]; then echo "$DATABASE_URL"; else db_start; local_url; fi
}

# sqitch speaks libpq through environment variables; derive them from the URL.
sqitch_on() {
    local url="$1"; shift
    local exports
    exports="$("$VENV/bin/python" -m gateway libpq-env "$url")"
    ( eval "$exports"; exec sqitch "$@" )
}

# The first admin key, for local use: created once, shown once, kept owner-only in .aio/.
ADMIN_KEY_FILE="$ROOT/.aio/admin.key"
ensure_admin_key() {
    local url="$1" key=""
    [ -s "$ADMIN_KEY_FILE" ] && key="$(cat "$ADMIN_KEY_FILE")"
    # Only the key's SHA-256 goes to the server (a secret in SQL text ends up in its log); psql
    # interpolates variables in a script, not in -c.
    if [ -n "$key" ] && echo "SELECT 1 FROM orchestrator.api_keys WHERE key_hash = decode(:'hash', 'hex') AND revoked_at IS NULL AND coalesce(expires_at > now(), true)" \
            | psql "$url" -XtA -v hash="$(printf '%s' "$key" | sha256sum | cut -d' ' -f1)" | grep -q 1; then
        return 0
    fi
    mkdir -p "$ROOT/.aio"; chmod 700 "$ROOT/.aio"
    ( umask 077; psql "$url" -XtAq -v ON_ERROR_STOP=1 \
        -c "SELECT key FROM api.api_key_create(role => 'admin', label => 'make run bootstrap')" > "$ADMIN_KEY_FILE" )
    say "created an admin API key (kept in .aio/admin.key, shown only now):"
    printf '\n    %s\n\n    curl -H "Authorization: Bearer $(cat .aio/admin.key)" http://%s:%s/nodes/\n\n' \
        "$(cat "$ADMIN_KEY_FILE")" "${HOST:-127.0.0.1}" "${PORT:-8000}" >&2
}

api_key() {  # role label [node_id]
    local url; url="$(database_url)"
    psql "$url" -XtAq -v ON_ERROR_STOP=1 -v role="$1" -v label="$2" -v node="${3:-}" \
        -c "SELECT key FROM api.api_key_create(role => :'role', label => :'label', node_id => NULLIF(:'node', '')::uuid)"
}

# --- commands ------------------------------------------------------------------------

cmd="${1:-help}"; shift || true
case "$cmd" in
    bootstrap) bootstrap ;;
    db-start)  bootstrap; DATABASE_URL="" database_url >/dev/null ;;
    db-stop)   db_stop ;;
    url)       bootstrap; database_url ;;
    deploy)    bootstrap; sqitch_on "$(database_url)" deploy "$@" ;;
    revert)    bootstrap; sqitch_on "$(database_url)" revert -y "$@" ;;
    verify)    bootstrap; sqitch_on "$(database_url)" verify "$@" ;;
    status)    bootstrap; sqitch_on "$(database_url)" status "$@" ;;
    psql)      bootstrap; exec psql "$(database_url)" "$@" ;;
    seed)      bootstrap; url="$(database_url)"; sqitch_on "$url" --quiet deploy
               psql "$url" -Xq -v ON_ERROR_STOP=1 -v scale="${SCALE:-0}" -f bench/seed.sql ;;
    run)       bootstrap; url="$(database_url)"; sqitch_on "$url" --quiet deploy
               ensure_admin_key "$url"
               # Locally the gateway logs in as the powerless aio_gateway role.
               [ -n "${DATABASE_URL:-}" ] || export GATEWAY_DATABASE_URL="$(local_url "$DB_NAME" aio_gateway)"
               DATABASE_URL="$url" exec "$VENV/bin/python" -m gateway serve ;;
    test)      bootstrap; url="$(database_url)"
               AIO_ADMIN_URL="$url" exec "$VENV/bin/python" -m pytest "$@" ;;
    docs)      bootstrap; url="$(database_url)"; sqitch_on "$url" --quiet deploy
               DATABASE_URL="$url" "$VENV/bin/python" -m gateway docs > docs/database.md
               say "wrote docs/database.md" ;;
    explain)   bootstrap; "$VENV/bin/python" bench/explain.py "$(database_url)" ;;
    bench)     bootstrap; install_bench_tools; url="$(database_url)"
               DATABASE_URL="$url" exec "$VENV/bin/python" bench/run.py ;;
    admin-key) bootstrap; url="$(database_url)"; sqitch_on "$url" --quiet deploy; ensure_admin_key "$url"; cat "$ADMIN_KEY_FILE" ;;
    api-key)   bootstrap; api_key "${ROLE:?ROLE=reader|writer|admin|node}" "${LABEL:-made with make api-key}" "${NODE_ID:-}" ;;
    backup)    bootstrap; url="$(database_url)"; mkdir -p "$ROOT/backups"
               file="${FILE:-$ROOT/backups/ai_orchestrator-$(date -u +%Y%m%dT%H%M%SZ).dump}"
               pg_dump --format=custom --file "$file" "$url"
               say "backup written to $file (restore with: make restore FILE=$file)"; echo "$file" ;;
    restore)   bootstrap; url="$(database_url)"; [ -f "${FILE:-}" ] || die "usage: make restore FILE=backups/<file>.dump"
               # One transaction: the database is either as it was or as in the backup.
               pg_restore --clean --if-exists --single-transaction --exit-on-error --dbname "$url" "$FILE"
               say "restored $FILE" ;;
    test-faults) bootstrap; url="$(database_url)"
               AIO_ADMIN_URL="$url" exec "$VENV/bin/python" -m pytest -s tests/test_faults.py "$@" ;;
    doctor)    [ -x "$VENV/bin/python" ] && exec "$VENV/bin/python" -m gateway doctor
               die ".venv is missing; run: make run (or make test), which creates it" ;;
    *) echo "usage: scripts/dev.sh {bootstrap|db-start|db-stop|url|deploy|revert|verify|status|psql|seed|docs|explain|bench|admin-key|api-key|backup|restore|run|test|test-faults|doctor}" >&2; exit 2 ;;
esac
