"""Production mode (``DJANGO_ENV=production``): Django's deployment checks are clean, and it refuses weak secrets.

Each case starts ``manage.py`` in a fresh process: settings are read once per process.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "test-only-production-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"


def manage(*args, **env):
    # Only the variables given here count: none of the caller's settings (nor its database) leak in.
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "MFA_", "CELERY_", "DATABASE_", "REDIS_", "EMAIL_"))
    }
    environment.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production(**overrides):
    return {
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "clauses.example.org",
        **overrides,
    }


def test_deploy_checks_are_clean_in_production():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production())
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in result.stdout, output
    assert "WARNING" not in output.upper(), output


def test_production_settings_are_hardened():
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS >= 31536000, s.MFA_REQUIRED_FOR_COORDINATORS, "
        "s.STORAGES['staticfiles']['BACKEND'].startswith('whitenoise.'))"
    )
    result = manage("shell", "--no-imports", "-c", code, **production())
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "True", "True", "True", "True"]


@pytest.mark.parametrize("secret_key", [None, "", "too-short-secret-key"])
def test_production_refuses_to_start_without_a_strong_secret_key(secret_key):
    env = production()
    if secret_key is None:
        del env["DJANGO_SECRET_KEY"]
    else:
        env["DJANGO_SECRET_KEY"] = secret_key
    result = manage("check", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_development_mode_runs_without_any_variable():
    result = manage("check")
    assert result.returncode == 0, result.stdout + result.stderr
