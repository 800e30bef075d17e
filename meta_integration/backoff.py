"""The documented retry schedule for a product that failed to reach Meta."""

from datetime import datetime, timedelta

MAX_ATTEMPTS = 5
# Delay before attempt N+1 after N failed attempts (attempt 1 is immediate).
RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(minutes=45),
    timedelta(hours=2, minutes=15),
)


def next_attempt_after(failed_attempts: int, now: datetime) -> datetime | None:
    """When to try again after `failed_attempts` failures; None once the limit is reached."""
    if failed_attempts >= MAX_ATTEMPTS or failed_attempts < 1:
        return None
    return now + RETRY_DELAYS[failed_attempts - 1]
