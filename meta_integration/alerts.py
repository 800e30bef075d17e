"""Tell people when products stop reaching Meta for good (five rejections by Meta).

Sent through Django's mail settings to CATALOG_ALERT_EMAILS (the console backend in the demo
prints it); a failure to send is logged, never raised, so a flush never fails on mail.
"""

import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import send_mail

from products_and_services.models import Product

logger = logging.getLogger(__name__)
LISTED = 20


def alert_failed_for_good(*, tenant_name: str, products: Sequence[Product]) -> bool:
    recipients = list(settings.CATALOG_ALERT_EMAILS)
    if not products or not recipients:
        return False
    lines = [
        f"- {p.name} (SKU {p.sku or '—'}, product #{p.pk}): {p.meta_sync_last_error}"
        for p in products[:LISTED]
    ]
    if len(products) > LISTED:
        lines.append(f"… and {len(products) - LISTED} more.")
    body = (
        f"Meta rejected these products of {tenant_name} five times; they will not be pushed "
        "again until they change or staff reset them (Products > Meta sync status: Failed).\n\n"
        + "\n".join(lines)
    )
    subject = f"[Catalog Sync] {len(products)} product(s) of {tenant_name} failed to reach Meta"
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception as exc:  # mail is best effort; the admin lists them anyway
        logger.warning("Could not send the Meta failure alert: %s", type(exc).__name__)
        return False
    return True
