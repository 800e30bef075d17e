"""The sample plugin event printed in the product notes (woocommerce-plugin-quick-reference.md).

The notes show its Persian double-encoded in places; this is the same event with the Persian
correctly encoded, byte for byte as a WooCommerce shop would send it.
"""

import json
from pathlib import Path
from typing import Any

SAMPLE_PATH = Path(__file__).with_name("notes_sample_event.json")
NAME = "کفش اسپرت مردانه"
SHORT_DESCRIPTION = "کفش سبک و راحت"
DESCRIPTION = "این کفش با زیره نرم..."
CATEGORIES = ["کفش", "مردانه"]
TAGS = ["ورزشی"]


def sample_body() -> bytes:
    """The request body exactly as stored (UTF-8, as the plugin's wp_json_encode sends it)."""
    return SAMPLE_PATH.read_bytes()


def sample_event() -> dict[str, Any]:
    return json.loads(sample_body())
