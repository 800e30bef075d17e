# Catalog Sync: one image for web (gunicorn), the Celery workers and beat.
# Static files are collected by docker/entrypoint.sh at start, because settings need the
# runtime environment (SECRET_KEY, FIELD_ENCRYPTION_KEY, ...) that the build does not have.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so code changes reuse this layer.
COPY requirements.txt .
RUN pip install -r requirements.txt

# The code stays owned by root (read-only to the app); only the two volume mount points are
# writable by the app user. A new named volume takes this ownership on first use.
COPY . .
RUN useradd --system --uid 10001 --no-create-home --home-dir /app --shell /usr/sbin/nologin catalog \
    && mkdir -p /app/staticfiles /app/mediafiles \
    && chown catalog:catalog /app/staticfiles /app/mediafiles \
    && chmod 0755 /app/docker/entrypoint.sh

USER catalog
EXPOSE 8000

ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["gunicorn", "-c", "python:config.gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", "--access-logfile", "-"]
