"""Collects the static files with the production manifest (hashed names) into STATIC_ROOT, without compression.

The manifest pass is what can fail (a stylesheet that references a missing file); WhiteNoise's gzip/brotli
compression of DSFR's ~3,000 files takes minutes and is left to the image build (Dockerfile).
Run with DJANGO_ENV=production (see scripts/test.sh).
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django
from django.conf import settings
from django.core.management import call_command

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
assert settings.PRODUCTION, "run with DJANGO_ENV=production"
assert settings.STORAGES["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
call_command("collectstatic", interactive=False, verbosity=0)
