"""Celery for real: a worker process, Redis as the broker, the test database shared with the worker.

The worker test needs Redis on 127.0.0.1:6379 and PostgreSQL. Without Redis it is skipped on a developer machine and
fails in CI (``CI`` set): a CI that silently skips it would prove nothing.
"""

import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.enums import Role
from accounts.models import Membership
from accounts.tasks import purge_expired_invitations
from config.celery import app as celery_app
from tests.accounts.factories import MembershipFactory
from tests.territories.factories import TerritoryFactory

BASE_DIR = Path(__file__).resolve().parent.parent
# A Redis database of its own, away from development data (override with CELERY_TEST_REDIS_URL).
REDIS_URL = os.environ.get("CELERY_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TIMEOUT_SECONDS = 30


def test_every_scheduled_task_is_a_registered_task():
    celery_app.loader.import_default_modules()
    assert settings.CELERY_BEAT_SCHEDULE, "the beat schedule is empty"
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in celery_app.tasks, f"{name}: {entry['task']} is not a registered Celery task"
        assert "schedule" in entry, name


def _require_redis():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError as exc:
        message = f"Redis is not reachable at {REDIS_URL} ({exc}): the real-worker test needs it."
        if os.environ.get("CI"):
            pytest.fail(message + " In CI this is an error, not a skip.")
        pytest.skip(message + " Start it: redis-server --daemonize yes --bind 127.0.0.1 --port 6379")


def _test_database_url():
    """The database pytest-django created (``test_…``), for the worker process to use the same rows."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _start_worker(queue, log_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=INFO",
        "-Q",
        queue,
        "-n",
        f"{queue}@%h",
    ]
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process, in _stop_worker
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    process.log = log
    return process


def _stop_worker(process):
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    process.log.close()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_purges_expired_invitations(settings):
    if connection.vendor != "postgresql":
        pytest.skip("The worker is another process: it needs the test database on PostgreSQL (DATABASE_URL).")
    _require_redis()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    queue = f"test-worker-{uuid.uuid4().hex[:12]}"
    broker = redis.Redis.from_url(REDIS_URL)

    territory = TerritoryFactory(code="34")
    still_valid = MembershipFactory(territory=territory, pending=True, role=Role.COMMITTEE)

    with celery_app.connection_for_write(REDIS_URL) as broker_connection:
        producer = broker_connection.Producer()
        with transaction.atomic():
            expired = MembershipFactory(
                territory=territory,
                pending=True,
                role=Role.FACILITATOR,
                invitation_expires_at=timezone.now() - timedelta(hours=1),
            )
            purge_expired_invitations.apply_async_on_commit(queue=queue, producer=producer)
            assert broker.llen(queue) == 0, "the task left before the transaction committed"
        assert broker.llen(queue) == 1, "the task was not queued when the transaction committed"

    log_path = Path(tempfile.gettempdir()) / f"{queue}.log"
    worker = _start_worker(queue, log_path)
    try:
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            expired.refresh_from_db()
            if not expired.is_active or worker.poll() is not None:
                break
            time.sleep(0.2)
        log = log_path.read_text(errors="replace")
        assert worker.poll() is None, f"the worker died:\n{log}"
        assert not expired.is_active, f"the worker did not purge the invitation within {TIMEOUT_SECONDS} s:\n{log}"
        assert expired.invitation_token_hash == ""
        assert "accounts.tasks.purge_expired_invitations" in log and "succeeded" in log, log
        still_valid.refresh_from_db()
        assert still_valid.is_active
        assert Membership.objects.filter(is_active=True, user__isnull=True).count() == 1
    finally:
        _stop_worker(worker)
        for key in broker.scan_iter(f"*{queue}*"):
            broker.delete(key)
        log_path.unlink(missing_ok=True)
