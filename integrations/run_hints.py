"""Plain-language advice for why a sync run stopped, from the words of its error message."""

import re

# First match wins; patterns are matched case-insensitively against the run's message.
HINTS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), hint)
    for pattern, hint in (
        (
            r"\b(401|403)\b|unauthori[sz]ed|forbidden|invalid (api key|access token|token|"
            r"client|consumer key)|auth(entication)? (failed|refused|error)|invalid_client|"
            r"invalid_grant|token (was )?(rejected|revoked|expired)",
            "The store refused our credentials. Check the keys on the connection's page, "
            "press Test connection, then Retry.",
        ),
        (
            r"\b429\b|rate.?limit|throttl|too many requests",
            "The store limited how fast we may call it. Wait a few minutes and Retry; "
            "scheduled syncs slow down by themselves.",
        ),
        (
            r"connection (refused|reset|aborted|error)|timed? ?out|unreachable|name or service "
            r"not known|failed to resolve|max retries exceeded|\b50[0234]\b|bad gateway|"
            r"service unavailable",
            "We could not reach the store. Check its address and that it is online, then Retry.",
        ),
        (
            r"database is locked",
            "The database was busy with other work. Retry the run.",
        ),
        (
            r"abandoned|no progress from the worker",
            "The worker stopped reporting progress. Check that the worker is running, then Retry.",
        ),
        (
            r"could not queue",
            "The task queue could not be reached. Check that the broker (Redis) is up, then Retry.",
        ),
    )
)


def hint_for(message: str) -> str:
    """Advice for a run's error message, or "" when we know no better than the message."""
    return next((hint for pattern, hint in HINTS if pattern.search(message or "")), "")
