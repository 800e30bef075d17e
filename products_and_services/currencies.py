"""ISO 4217 validation, backed by pycountry's currency table."""

from functools import cache

import pycountry
from django.core.exceptions import ValidationError


@cache
def iso_currency_codes() -> frozenset[str]:
    return frozenset(currency.alpha_3 for currency in pycountry.currencies)


def validate_currency(value: str) -> None:
    if value not in iso_currency_codes():
        raise ValidationError(f"'{value}' is not an ISO 4217 currency code (e.g. USD, EUR, ZAR).")
