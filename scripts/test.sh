#!/usr/bin/env bash
# `make test`: installs what the tests need, then runs the quality gates and the whole test suite.
# Extra arguments go to pytest (scripts/test.sh -k invitation). Stops at the first failing step.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/lib.sh

scripts/bootstrap.sh
python=.venv/bin/python

# --- System packages -----------------------------------------------------------------------------------------------
# chromium: browser journeys; poppler-utils: tests read PDFs; libharfbuzz-subset0 + fonts: WeasyPrint.
missing=()
for package in chromium poppler-utils libharfbuzz-subset0 fonts-dejavu-core; do
    is_installed "$package" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    apt_install "${missing[@]}"
fi

# --- Services --------------------------------------------------------------------------------------------------------
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/clauses}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/15}"

is_local() { case "$1" in 127.0.0.1 | localhost | ::1) return 0 ;; *) return 1 ;; esac }

wait_for() {
    # wait_for SECONDS COMMAND...: retries COMMAND every 0.2 s.
    local tries=$(($1 * 5))
    shift
    while ! "$@" 2>/dev/null; do
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] || return 1
        sleep 0.2
    done
}

start_throwaway_postgres() {
    # A trust-auth cluster for tests only (fsync off: it starts in under a second). initdb refuses to run as root.
    local port=$1 dir="/tmp/clauses-test-pg-$1" bin
    bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
    if [ ! -f "$dir/PG_VERSION" ]; then
        echo "==> Cluster PostgreSQL de test dans $dir"
        mkdir -p "$dir"
        chown postgres:postgres "$dir"
        chmod 700 "$dir"
        runuser -u postgres -- "$bin/initdb" -D "$dir" -U postgres --auth=trust >/dev/null
    fi
    runuser -u postgres -- "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
        -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c fsync=off" start >/dev/null
}

ensure_postgres() {
    local host port cluster
    read -r host port < <("$python" scripts/services.py hostport "$DATABASE_URL")
    if "$python" scripts/services.py pg-ping "$DATABASE_URL" 2>/dev/null; then
        return 0
    fi
    if ! is_local "$host"; then
        "$python" scripts/services.py pg-ping "$DATABASE_URL" || true
        echo "PostgreSQL ne répond pas sur $host:$port (DATABASE_URL)." >&2
        return 1
    fi
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        apt_install postgresql
        start_throwaway_postgres "$port"
    else
        cluster="$(pg_lsclusters -h 2>/dev/null | awk -v port="$port" '$3 == port && $4 != "online" {print $1, $2; exit}')"
        if [ -n "$cluster" ]; then
            echo "==> Démarrage de PostgreSQL $cluster"
            # shellcheck disable=SC2086
            pg_ctlcluster --skip-systemctl-redirect $cluster start
        else
            start_throwaway_postgres "$port"
        fi
    fi
    if ! wait_for 10 "$python" scripts/services.py pg-ping "$DATABASE_URL"; then
        "$python" scripts/services.py pg-ping "$DATABASE_URL" || true
        echo "PostgreSQL ne répond pas sur $host:$port avec l'utilisateur de DATABASE_URL." >&2
        return 1
    fi
}

ensure_redis() {
    local host port
    read -r host port < <("$python" scripts/services.py hostport "$REDIS_URL")
    if "$python" scripts/services.py redis-ping "$REDIS_URL" 2>/dev/null; then
        return 0
    fi
    if ! is_local "$host"; then
        echo "Redis ne répond pas sur $host:$port (REDIS_URL)." >&2
        return 1
    fi
    command -v redis-server >/dev/null || apt_install redis-server
    echo "==> Démarrage de Redis sur 127.0.0.1:$port"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no >/dev/null
    wait_for 10 "$python" scripts/services.py redis-ping "$REDIS_URL"
}

ensure_postgres
"$python" scripts/services.py pg-createdb "$DATABASE_URL"
ensure_redis
# The tests' Redis database holds only the cache of previous runs (rate limits...): start clean.
"$python" scripts/services.py redis-flush "$REDIS_URL"
echo "==> PostgreSQL : $DATABASE_URL (tests : base test_…) ; Redis : $REDIS_URL"

# --- Steps -----------------------------------------------------------------------------------------------------------
export DJANGO_SETTINGS_MODULE=config.settings
in_production() {
    # Production mode as deployed: a strong key, a host name, and none of the development-only switches.
    env -u DJANGO_ALLOW_ASYNC_UNSAFE -u DJANGO_DEBUG \
        DJANGO_ENV=production \
        DJANGO_SECRET_KEY="test-only-production-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz" \
        DJANGO_ALLOWED_HOSTS=clauses.example.org \
        "$@"
}
static_root="$(mktemp -d)"
trap 'rm -rf "$static_root"' EXIT

summary=()
started_all=$SECONDS

print_summary() {
    echo
    echo "================================ Résumé ================================"
    local line
    for line in "${summary[@]}"; do echo "  $line"; done
    echo "  Durée totale : $((SECONDS - started_all)) s"
    echo "========================================================================"
}

step() {
    # step "Title" COMMAND...: runs one gate; on failure prints the summary and stops with its exit code.
    local title=$1 started=$SECONDS status=0
    shift
    echo
    echo "==> $title"
    "$@" || status=$?
    if [ "$status" -eq 0 ]; then
        summary+=("OK      $title ($((SECONDS - started)) s)")
    else
        summary+=("ÉCHEC   $title ($((SECONDS - started)) s, code $status)")
        print_summary
        echo "make test : ÉCHEC à l'étape « $title »." >&2
        exit "$status"
    fi
}

run_pytest() {
    local args=() status=0
    if [ "${CI:-}" = "true" ]; then args+=(--create-db); fi
    # Browser journeys: Playwright's sync API and the live server share threads with the ORM.
    DJANGO_ALLOW_ASYNC_UNSAFE=true .venv/bin/pytest "${args[@]}" "$@" || status=$?
    if [ "$status" -eq 5 ]; then
        echo "pytest n'a collecté aucun test : c'est une erreur." >&2
    fi
    return "$status"
}

step "ruff check" .venv/bin/ruff check .
step "ruff format --check" .venv/bin/ruff format --check .
step "migrations à jour (makemigrations --check)" "$python" manage.py makemigrations --check --dry-run
step "check --deploy (production)" in_production "$python" manage.py check --deploy --fail-level WARNING
step "collectstatic (manifeste de production)" in_production STATIC_ROOT="$static_root" "$python" scripts/check_static.py
step "pytest" run_pytest "$@"

print_summary
echo "make test : OK"
