"""The Zoho connection test used by the admin."""

from integrations.http import ApiError
from integrations.zoho.client import ZohoClient
from integrations.zoho.models import ZohoCredential


def test_zoho_connection(credential: ZohoCredential) -> tuple[bool, str]:
    """Refresh if needed and read one item page; say what happened in plain words."""
    try:
        result = ZohoClient(credential, max_retries=1).fetch_products(page=1, per_page=1)
    except ApiError as exc:
        return False, exc.message
    more = " and more" if result["page_context"].get("has_more_page") else ""
    count = len(result["items"])
    return True, f"Connected to organisation {credential.organization_id}: {count} item{more} read."
