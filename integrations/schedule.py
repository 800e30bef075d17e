"""When beat next starts a provider's scheduled syncs, read from the beat schedule in settings."""

from datetime import datetime

from celery.schedules import crontab, schedule
from django.conf import settings

# Beat entries that start every active connection of a provider, and the mode they run.
PROVIDER_ENTRIES: dict[str, tuple[tuple[str, str], ...]] = {
    "zoho": (("zoho-incremental", "incremental"), ("zoho-full-nightly", "full")),
    "woocommerce": (("woocommerce-incremental", "incremental"),),
    "shopify": (("shopify-incremental", "incremental"),),
}


def _next_after(entry: object, now: datetime) -> datetime | None:
    if isinstance(entry, crontab):
        start, delta, _ = entry.remaining_delta(now)
        return start + delta
    if isinstance(entry, schedule):
        return now + entry.run_every
    return None  # a plain interval in seconds: beat counts it from its own start


def next_scheduled_sync(*, provider: str, now: datetime) -> tuple[datetime, str] | None:
    """The next time beat starts a scheduled sync of `provider`, and its mode; None if never."""
    upcoming: list[tuple[datetime, str]] = []
    for name, mode in PROVIDER_ENTRIES.get(provider, ()):
        entry = settings.CELERY_BEAT_SCHEDULE.get(name)
        if entry is None:
            continue
        when = _next_after(entry["schedule"], now)
        if when is not None:
            upcoming.append((when, mode))
    return min(upcoming) if upcoming else None
