#!/usr/bin/env bash
# Developer entry point behind the Makefile: installs what is missing, runs the
# project-local PostgreSQL cluster, and wraps sqitch. Usage: scripts/dev.sh <command>
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="$ROOT/.venv"
LOCAL_PG_PORT="${LOCAL_PG_PORT:-54329}"
DB_NAME="ai_orchestrator"
SUPERUSER="postgres"   # the local cluster's bootstrap superuser, whoever runs it

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Where the project-local cluster lives. Run by a user, it is .pgdata/ in the checkout. Run by
# root, the server runs as the postgres system user, which may not enter the checkout (/root is
# 0700): the cluster lives in a directory of its own under /var/lib/postgresql/aio, named after
# this checkout's path, and .pgdata is a symlink to it. A cluster already in a .pgdata/
# directory stays there. Either way the directory is 0700 and holds the socket, so only its
# owner (the checkout's owner, or postgres for root) and root can connect.
PG_HOME_ROOT="/var/lib/postgresql/aio"
cluster_dir() {
    if [ "$(id -u)" -ne 0 ] || { [ -d "$ROOT/.pgdata" ] && [ ! -L "$ROOT/.pgdata" ]; }; then
        echo "$ROOT/.pgdata"
    else
        local name; name="$(basename "$ROOT" | tr -c 'A-Za-z0-9._\n-' '_' | cut -c1-24)"
        echo "$PG_HOME_ROOT/$name-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)"
    fi
}
PGROOT="$(cluster_dir)"
PGDATA_DIR="$PGROOT/data"
SOCKET_DIR="$PGROOT/run"

# Reads a tool's output and shows it as one progress line: the count of lines matching a regex
# and the regex's last group in the latest (a terminal gets one updating line, a log every 20th).
progress() {  # label regex
    local label="$1" re="$2" n=0 line
    while IFS= read -r line; do
        [[ $line =~ $re ]] || continue
        n=$((n + 1))
        if [ -t 2 ]; then
            printf '\r\033[K    %s %s: %s' "$label" "$n" "${BASH_REMATCH[-1]}" >&2
        elif [ $((n % 20)) -eq 1 ]; then
            printf '    %s %s: %s\n' "$label" "$n" "${BASH_REMATCH[-1]}" >&2
        fi
    done
    if [ -t 2 ] && [ "$n" -gt 0 ]; then printf '\r\033[K' >&2; fi
    if [ "$n" -gt 0 ]; then printf '    %s: %s done\n' "$label" "$n" >&2; else printf '    %s: nothing to do\n' "$label" >&2; fi
}

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
    [ -f "/usr/share/postgresql/$major/extension/plpgsql_check.control" ] || missing+=("postgresql-$major-plpgsql-check")
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
        say "installing Python dependencies into .venv (pip; a minute or two the first time)"
        "$VENV/bin/pip" install --progress-bar off --disable-pip-version-check -e '.[test]' \
            | progress "pip: requirements" '^(Collecting|Requirement already satisfied:) ([^ ]+)'
        touch "$stamp"
    fi
}

# The browser assets of /docs and /redoc and the OpenAPI linter, at the exact versions (and
# integrity hashes) of package-lock.json, in node_modules/ (git-ignored).
install_node() {
    command -v npm >/dev/null || apt_install nodejs npm
    if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
        say "installing the docs assets and the OpenAPI linter (npm ci, pinned by package-lock.json)"
        npm ci --legacy-peer-deps --ignore-scripts --no-audit --no-fund --loglevel=error >&2
    fi
}

bootstrap() { install_system; install_python; install_node; }

# What only the tests use: a headless browser for the docs pages.
install_test_tools() {
    command -v chromium >/dev/null || apt_install chromium
}

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
    # PostgreSQL refuses to run as root: hand the cluster to the postgres system user. From /,
    # since it may not enter the current directory.
    if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

local_url() {  # [database] [user]
    echo "postgresql:///${1:-$DB_NAME}?host=$SOCKET_DIR&port=$LOCAL_PG_PORT&user=${2:-$SUPERUSER}"
}

# The cluster directory, owned by the server's OS user, mode 0700 (refused if someone else owns it).
prepare_cluster_dir() {
    local owner="$(id -un)"
    if [ "$(id -u)" -eq 0 ]; then
        owner=postgres
        id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
        [ -d /var/lib/postgresql ] || install -d -o postgres -g postgres -m 755 /var/lib/postgresql
        [ -d "$PG_HOME_ROOT" ] || install -d -o postgres -g postgres -m 700 "$PG_HOME_ROOT"
    fi
    [ -d "$PGROOT" ] || install -d -m 700 "$PGROOT"
    [ "$(id -u)" -ne 0 ] || chown postgres: "$PGROOT"
    [ "$(stat -c %U "$PGROOT")" = "$owner" ] || die "$PGROOT belongs to $(stat -c %U "$PGROOT"), not $owner"
    chmod 700 "$PGROOT"
    if [ "$PGROOT" != "$ROOT/.pgdata" ]; then
        ln -sfn "$PGROOT" "$ROOT/.pgdata"
        echo "$ROOT" > "$PGROOT/checkout"  # which checkout this cluster belongs to
    fi
}

db_start() {
    local bin; bin="$(pg_bindir)" || die "no PostgreSQL server found; run: make run (it installs one)"
    prepare_cluster_dir
    if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
        say "creating the project-local cluster in $PGROOT"
        as_pg_owner "$bin/initdb" -D "$PGDATA_DIR" -U "$SUPERUSER" --auth-local=trust --auth-host=reject \
            -E UTF8 --locale=C.UTF-8 >/dev/null
        cat >>"$PGDATA_DIR/postgresql.conf" <<EOF
# project-local cluster: a Unix socket only, in a directory only its owner may enter
listen_addresses = ''
unix_socket_directories = '$SOCKET_DIR'
unix_socket_permissions = 0700
port = $LOCAL_PG_PORT
shared_preload_libraries = 'pg_stat_statements'
max_connections = 200
shared_buffers = 512MB
logging_collector = off
EOF
    fi
    # Whoever reaches the socket may connect (trust): the 0700 directories around it decide who.
    # No TCP. Checked on every start, so an older cluster gets it too.
    local hba=$'# written by scripts/dev.sh: the socket directory (0700) is the gate\nlocal all all trust'
    local hba_changed=""
    if [ "$(cat "$PGDATA_DIR/pg_hba.conf")" != "$hba" ]; then
        printf '%s\n' "$hba" > "$PGDATA_DIR/pg_hba.conf"; hba_changed=1
    fi
    as_pg_owner mkdir -p "$SOCKET_DIR"
    as_pg_owner chmod 700 "$SOCKET_DIR"
    if ! as_pg_owner "$bin/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; then
        say "starting PostgreSQL $(pg_major) on $SOCKET_DIR port $LOCAL_PG_PORT"
        as_pg_owner "$bin/pg_ctl" -D "$PGDATA_DIR" -l "$PGROOT/server.log" -w -t 60 start >/dev/null \
            || { tail -n 20 "$PGROOT/server.log" >&2; die "PostgreSQL did not start"; }
    elif [ -n "$hba_changed" ]; then
        as_pg_owner "$bin/pg_ctl" -D "$PGDATA_DIR" reload >/dev/null
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
    # The key's SHA-256 (what the database stores), never the key, in SQL text: servers log statements.
    if [ -n "$key" ] && psql "$url" -XtAc "SELECT 1 FROM orchestrator.api_keys WHERE key_hash = decode('$(printf %s "$key" | sha256sum | cut -d' ' -f1)', 'hex') AND revoked_at IS NULL AND coalesce(expires_at > now(), true)" | grep -q 1; then
        return 0
    fi
    mkdir -p "$ROOT/.aio"; chmod 700 "$ROOT/.aio"
    ( umask 077; psql "$url" -XtAq -v ON_ERROR_STOP=1 \
        -c "SELECT key FROM api.api_key_create(role => 'admin', label => 'make run bootstrap')" > "$ADMIN_KEY_FILE" )
    say "created an admin API key (kept in .aio/admin.key, shown only now):"
    printf '\n    %s\n\n    curl -H "Authorization: Bearer $(cat .aio/admin.key)" http://%s:%s/nodes/\n\n' \
        "$(cat "$ADMIN_KEY_FILE")" "${HOST:-127.0.0.1}" "${PORT:-8000}" >&2
}

# sqitch deploy with a progress line (one per change deployed).
deploy_plan() {  # url
    say "deploying the sqitch plan ($(grep -cE '^[^@%#[:space:]]' sqitch.plan) changes in sqitch.plan)"
    sqitch_on "$1" deploy | progress "deploy: changes" '^ *\+ ([^ ]+)'
}

api_key() {  # role label [node_id]
    local url; url="$(database_url)"
    # psql substitutes variables in a script, not in -c.
    echo "SELECT key FROM api.api_key_create(role => :'role', label => :'label', node_id => NULLIF(:'node', '')::uuid)" \
        | psql "$url" -XtAq -v ON_ERROR_STOP=1 -v role="$1" -v label="$2" -v node="${3:-}"
}

# --- make doctor: report, install nothing ----------------------------------------------

DOCTOR_MISSING=0
report() {  # state name detail
    printf '%-8s %-28s %s\n' "$1" "$2" "$3"
    [ "$1" != missing ] || DOCTOR_MISSING=$((DOCTOR_MISSING + 1))
}
have() { command -v "$1" >/dev/null 2>&1; }

doctor() {
    local bin major v
    bin="$(pg_bindir || true)"
    if [ -n "$bin" ]; then major="$(pg_major)"; report ok "PostgreSQL server" "$major ($bin)"
    else major=""; report missing "PostgreSQL server" "apt-get install postgresql postgresql-contrib"; fi
    if have psql; then report ok psql "$(psql --version)"; else report missing psql "apt-get install postgresql-client"; fi
    if have sqitch; then report ok sqitch "$(sqitch --version 2>/dev/null | head -n1)"; else report missing sqitch "apt-get install sqitch"; fi
    if have pg_prove; then report ok pg_prove "$(command -v pg_prove)"
    else report missing pg_prove "apt-get install libtap-parser-sourcehandler-pgtap-perl"; fi
    if [ -n "$major" ] && [ -f "/usr/share/postgresql/$major/extension/pgtap.control" ]; then report ok pgTAP "for PostgreSQL $major"
    else report missing pgTAP "apt-get install postgresql-${major:-<major>}-pgtap"; fi
    if [ -n "$major" ] && [ -f "/usr/share/postgresql/$major/extension/plpgsql_check.control" ]; then report ok plpgsql_check "for PostgreSQL $major"
    else report missing plpgsql_check "apt-get install postgresql-${major:-<major>}-plpgsql-check"; fi
    if have python3 && python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        report ok python3 "$(python3 --version)"
        if python3 -c 'import ensurepip' 2>/dev/null; then report ok "python3 venv" "ensurepip present"
        else report missing "python3 venv" "apt-get install python3-venv"; fi
    else report missing python3 "3.11 or later: apt-get install python3 python3-venv"; fi
    if [ ! -x "$VENV/bin/python" ]; then report missing ".venv" "make bootstrap (python3 -m venv .venv; pip install -e '.[test]')"
    elif ! "$VENV/bin/python" -c 'import litestar, psycopg, psycopg_pool, uvicorn, jwt, msgspec, pytest, httpx, schemathesis, openapi_python_client' 2>/dev/null; then
        report missing ".venv packages" "make bootstrap (pip install -e '.[test]')"
    elif [ pyproject.toml -nt "$VENV/.installed" ]; then report missing ".venv packages" "pyproject.toml changed: make bootstrap"
    else report ok ".venv" "$("$VENV/bin/python" --version), packages of pyproject.toml installed"; fi
    if have node && have npm; then report ok "node, npm" "node $(node --version), npm $(npm --version)"
    else report missing "node, npm" "apt-get install nodejs npm"; fi
    if [ -f node_modules/.package-lock.json ] && [ ! package-lock.json -nt node_modules/.package-lock.json ]; then
        v="$(sed -n 's/^ *"version": "\(.*\)",$/\1/p' node_modules/swagger-ui-dist/package.json node_modules/redoc/package.json | paste -sd' ')"
        report ok "docs assets" "node_modules/: swagger-ui-dist, redoc $v"
    else report missing "docs assets" "make bootstrap (npm ci: swagger-ui-dist, redoc, @redocly/cli)"; fi
    if have chromium; then report ok chromium "$(chromium --version 2>/dev/null | cut -d" " -f1,2) (for make test)"
    else report missing chromium "apt-get install chromium (make test renders /docs in it)"; fi
    if [ -n "${DATABASE_URL:-}" ]; then
        report ok database "DATABASE_URL is set: no local cluster is used"
    elif [ -f "$PGDATA_DIR/PG_VERSION" ]; then
        if [ -S "$SOCKET_DIR/.s.PGSQL.$LOCAL_PG_PORT" ]; then v=running; else v="stopped (make db-start)"; fi
        report ok "local cluster" "$v, in $PGROOT (mode $(stat -c %a "$PGROOT"), owner $(stat -c %U "$PGROOT"))"
    else
        report ok "local cluster" "not created yet; make run creates it in $PGROOT"
    fi
    if [ "$DOCTOR_MISSING" -eq 0 ]; then echo "all prerequisites present"
    else echo "$DOCTOR_MISSING missing: make bootstrap (or make run, make test) installs them"; return 1; fi
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
    psql)      bootstrap; url="$(database_url)"
               # ROLE=reader: the session acts as aio_reader, as a request with a reader key does.
               if [ -n "${ROLE:-}" ]; then export PGOPTIONS="${PGOPTIONS:-} -c role=aio_${ROLE#aio_}"; fi
               exec psql "$url" "$@" ;;
    functions) bootstrap; exec psql "$(database_url)" -X -q -v name="${NAME:-}" -f scripts/functions.sql ;;
    seed)      bootstrap; url="$(database_url)"; deploy_plan "$url"
               psql "$url" -Xq -v ON_ERROR_STOP=1 -v scale="${SCALE:-0}" -f bench/seed.sql ;;
    run)       bootstrap; url="$(database_url)"; deploy_plan "$url"
               ensure_admin_key "$url"
               # Locally the gateway logs in as the powerless aio_gateway role.
               if [ -z "${DATABASE_URL:-}" ]; then
                   export GATEWAY_DATABASE_URL="$(local_url "$DB_NAME" aio_gateway)"
                   say "serving http://${HOST:-127.0.0.1}:${PORT:-8000} (docs at /docs); Ctrl-C stops the gateway." \
                       "The local PostgreSQL keeps running: make db-stop stops it."
               fi
               DATABASE_URL="$url" exec "$VENV/bin/python" -m gateway serve ;;
    test)      say "step 1/3: prerequisites"; bootstrap; install_test_tools
               say "step 2/3: the local PostgreSQL"; url="$(database_url)"
               say "step 3/3: pytest (sqitch round trip, upgrade, pgTAP, gateway, docs in a browser, client, fuzz, faults)"
               AIO_ADMIN_URL="$url" exec "$VENV/bin/python" -m pytest "$@" ;;
    docs)      bootstrap; url="$(database_url)"; sqitch_on "$url" --quiet deploy
               DATABASE_URL="$url" "$VENV/bin/python" -m gateway docs > docs/database.md
               say "wrote docs/database.md" ;;
    explain)   bootstrap; "$VENV/bin/python" bench/explain.py "$(database_url)" ;;
    bench)     bootstrap; install_bench_tools; url="$(database_url)"
               DATABASE_URL="$url" exec "$VENV/bin/python" bench/run.py ;;
    admin-key) bootstrap; url="$(database_url)"; sqitch_on "$url" --quiet deploy; ensure_admin_key "$url"; cat "$ADMIN_KEY_FILE" ;;
    api-key)   bootstrap; api_key "${ROLE:?ROLE=reader|writer|admin|node}" "${LABEL:-made with make api-key}" "${NODE_ID:-}" ;;
    backup)    bootstrap; url="$(database_url)"
               # The dump holds the audit log and key hashes: owner-only, like the directory.
               umask 077; mkdir -p "$ROOT/backups"; chmod 700 "$ROOT/backups"
               file="${FILE:-$ROOT/backups/ai_orchestrator-$(date -u +%Y%m%dT%H%M%SZ).dump}"
               pg_dump --format=custom --file "$file" "$url"; chmod 600 "$file"
               say "backup written to $file (restore with: make restore FILE=$file)"; echo "$file" ;;
    restore)   bootstrap; url="$(database_url)"; [ -f "${FILE:-}" ] || die "usage: make restore FILE=backups/<file>.dump"
               # One transaction: the database is either as it was or as in the backup.
               pg_restore --clean --if-exists --single-transaction --exit-on-error --dbname "$url" "$FILE"
               say "restored $FILE" ;;
    test-faults) bootstrap; url="$(database_url)"
               AIO_ADMIN_URL="$url" exec "$VENV/bin/python" -m pytest -s tests/test_faults.py "$@" ;;
    doctor)    doctor ;;
    *) echo "usage: scripts/dev.sh {bootstrap|db-start|db-stop|url|deploy|revert|verify|status|psql|functions|seed|docs|explain|bench|admin-key|api-key|backup|restore|run|test|test-faults|doctor}" >&2; exit 2 ;;
esac
