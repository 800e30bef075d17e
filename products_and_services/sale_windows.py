"""Sale windows: when a product's or variant's sale price applies.

A window is two optional instants; an empty start means "already", an empty end "no end".
"""

from datetime import datetime


def sale_window_problem(*, starts: datetime | None, ends: datetime | None) -> str | None:
    """Why a sale window cannot be stored as given; None when it can (open ends are fine)."""
    if starts is not None and ends is not None and ends <= starts:
        return "The sale must end after it starts."
    return None
