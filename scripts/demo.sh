#!/usr/bin/env bash
# `make demo`: runs the app with demo data on http://127.0.0.1:${PORT:-8000}/.
# Embedded by default (SQLite file db.sqlite3, Celery tasks run in-process, e-mails on the console);
# set DATABASE_URL (PostgreSQL) and/or REDIS_URL (Celery broker + cache, a worker is started) to use real services.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/bootstrap.sh

export DJANGO_SETTINGS_MODULE=config.settings
PORT="${PORT:-8000}"
python=.venv/bin/python

if [ -n "${DATABASE_URL:-}" ]; then
    echo "==> Base de données : ${DATABASE_URL%%://*} (DATABASE_URL)"
else
    echo "==> Base de données : SQLite ${SQLITE_PATH:-db.sqlite3} (mode embarqué)"
fi

"$python" manage.py migrate --noinput
"$python" manage.py seed_demo

worker_pid=""
stop_worker() {
    if [ -n "$worker_pid" ] && kill -0 "$worker_pid" 2>/dev/null; then
        kill "$worker_pid" 2>/dev/null || true
        wait "$worker_pid" 2>/dev/null || true
    fi
}
trap stop_worker EXIT

if [ -n "${REDIS_URL:-}" ]; then
    echo "==> Tâches : worker Celery sur ${REDIS_URL} (journal : ${TMPDIR:-/tmp}/clauses-celery-worker.log)"
    .venv/bin/celery -A config worker --pool=solo --without-gossip --without-mingle --loglevel=INFO \
        >"${TMPDIR:-/tmp}/clauses-celery-worker.log" 2>&1 &
    worker_pid=$!
else
    echo "==> Tâches : exécutées dans le processus web (mode embarqué, sans Redis)"
fi

echo "==> http://127.0.0.1:${PORT}/ (Ctrl-C pour arrêter)"
"$python" manage.py runserver "127.0.0.1:${PORT}"
