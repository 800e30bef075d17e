"""Probe the database and broker the suite is configured for."""

from typing import Any

from kombu import Connection


def missing_services(database: dict[str, Any], broker_url: str) -> list[str]:
    problems: list[str] = []
    if database["ENGINE"] not in ("django.db.backends.postgresql", "config.postgresql"):
        problems.append(f"DATABASE_URL must point at PostgreSQL (engine is {database['ENGINE']}).")
    else:
        import psycopg

        try:
            psycopg.connect(
                host=database.get("HOST") or None,
                port=database.get("PORT") or None,
                user=database.get("USER") or None,
                password=database.get("PASSWORD") or None,
                dbname="postgres",
                connect_timeout=5,
            ).close()
        except psycopg.Error as exc:
            problems.append(f"PostgreSQL is unreachable: {exc}")
    if not broker_url.startswith("redis://"):
        problems.append(
            f"CELERY_BROKER_URL must point at Redis (it is {broker_url.split(':')[0]}://)."
        )
    else:
        try:
            with Connection(broker_url, connect_timeout=5) as conn:
                conn.ensure_connection(max_retries=1, timeout=5)
        except Exception as exc:
            problems.append(f"Redis is unreachable: {exc}")
    return problems
