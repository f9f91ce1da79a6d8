# Production image: gunicorn serves the app (static files through WhiteNoise); the same image runs the Celery
# worker and beat (see docker-compose.yml). Put a TLS-terminating reverse proxy in front (it must set
# X-Forwarded-Proto: production settings redirect plain HTTP to HTTPS).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    MEDIA_ROOT=/data/media

# WeasyPrint (PDF reports) needs Pango and HarfBuzz, with HarfBuzz's subsetter for font embedding.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first (cached while pyproject.toml is unchanged); the project itself has no package to install.
COPY pyproject.toml ./
RUN pip install .

COPY . .

# Static files are collected at build time (hashed names + compressed copies for WhiteNoise).
# The key below exists only for this build step: the real one comes from the environment at run time.
RUN DJANGO_ENV=production \
    DJANGO_SECRET_KEY=build-only-collectstatic-key-not-used-at-run-time-0123456789 \
    python manage.py collectstatic --noinput --verbosity 0

RUN useradd --system --uid 1000 --home-dir /app app \
    && mkdir -p /data/media \
    && chown app:app /data/media
USER app

EXPOSE 8000
# WEB_CONCURRENCY sets the number of gunicorn workers (read by gunicorn itself).
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--timeout", "60"]
