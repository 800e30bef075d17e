"""Double-encoded text: UTF-8 that was read as Latin-1 (or Windows-1252) on its way to us.

A WordPress database with latin1 tables turns `کفش` into `Ú©Ù\\x81Ø´`. ftfy recognises that
pattern and undoes it; it leaves correct text, Persian included, exactly as it is. Such text is
always flagged on the product; it is repaired only for tenants that opted in, because a repair
changes what the shop sent.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import ftfy
from django.db import models
from django.utils.translation import gettext_lazy as _

TEXT_FIELDS = ("name", "short_description", "description", "brand", "product_type")
LIST_FIELDS = ("categories", "tags")


class TextEncoding(models.TextChoices):
    OK = "", _("OK")
    DOUBLE_ENCODED = "double_encoded", _("Double-encoded text (not repaired)")
    REPAIRED = "repaired", _("Double-encoded text repaired")


def repaired(text: str) -> str:
    """`text` with double encoding undone; unchanged when it has none (ASCII never has: the
    misread bytes are all above 127, and most text of a large pull is ASCII)."""
    return text if not text or text.isascii() else ftfy.fix_encoding(text)


@dataclass
class TextCheck:
    """What was found in a product's text fields, and the values to store."""

    values: dict[str, Any]
    fields: list[str] = field(default_factory=list)
    repair: bool = False

    @property
    def status(self) -> str:
        if not self.fields:
            return TextEncoding.OK
        return TextEncoding.REPAIRED if self.repair else TextEncoding.DOUBLE_ENCODED

    def tracking(self) -> dict[str, Any]:
        return {"text_encoding": self.status, "text_encoding_fields": self.fields}


def _strings(value: Any) -> Iterable[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def check_text(values: Mapping[str, Any], *, repair: bool) -> TextCheck:
    """Find double-encoded fields among `values`; with `repair`, return them repaired."""
    out = dict(values)
    found: list[str] = []
    for name in TEXT_FIELDS:
        text = values.get(name)
        if isinstance(text, str) and repaired(text) != text:
            found.append(name)
            if repair:
                out[name] = repaired(text)
    for name in LIST_FIELDS:
        items = list(_strings(values.get(name)))
        if any(repaired(item) != item for item in items):
            found.append(name)
            if repair:
                out[name] = [repaired(item) for item in items]
    return TextCheck(values=out, fields=found, repair=repair)


def inspect_product(product: Any, *, repair: bool) -> TextCheck:
    """Check a product's own text fields in place (flag, and repair when asked)."""
    values = {name: getattr(product, name) for name in (*TEXT_FIELDS, *LIST_FIELDS)}
    check = check_text(values, repair=repair)
    for name, value in {**check.values, **check.tracking()}.items():
        setattr(product, name, value)
    return check
