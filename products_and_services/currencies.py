"""Currency codes as shops state them.

A product keeps the currency its shop reports, even when that is not an ISO 4217 code:
WooCommerce lists the Iranian toman as `IRT`, Bitcoin as `BTC`, and still offers codes ISO
has withdrawn (`HRK`, `BGN`, `SLL`, …); Shopify's `CurrencyCode` enum has legacy and digital
codes (`BYR`, `VED`, `USDC`); Persian WooCommerce shops add thousands of tomans and rials.
Whether and how such a price can go to Meta is decided at the Meta boundary
(`meta_integration.mapping`), not here.
"""

import re
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

import pycountry
from babel.numbers import format_decimal, get_currency_precision, get_currency_symbol
from django.core.exceptions import ValidationError

# The longest code any supported shop reports is four characters; leave room for custom ones.
CODE_MAX_LENGTH = 10
_CODE_SHAPE = re.compile(r"^[A-Z0-9]{3,10}$")

# Codes shops report that pycountry's current ISO 4217 table lacks, with what they mean.
# Sources: WooCommerce's `get_woocommerce_currencies()`, Shopify's Admin API `CurrencyCode`,
# the Persian WooCommerce plugin (thousands of tomans and rials).
SHOP_ONLY_CURRENCIES: dict[str, str] = {
    "IRT": "Iranian toman (10 rials)",
    "IRHT": "Thousand Iranian tomans (10,000 rials)",
    "IRHR": "Thousand Iranian rials",
    "BTC": "Bitcoin",
    "USDC": "USD Coin",
    "GGP": "Guernsey pound",
    "IMP": "Manx pound",
    "JEP": "Jersey pound",
    "PRB": "Transnistrian ruble",
    "ANG": "Netherlands Antillean guilder (withdrawn)",
    "BGN": "Bulgarian lev (withdrawn)",
    "BYR": "Belarusian ruble, old (withdrawn)",
    "CUC": "Cuban convertible peso (withdrawn)",
    "HRK": "Croatian kuna (withdrawn)",
    "LTL": "Lithuanian litas (withdrawn)",
    "SLL": "Sierra Leonean leone, old (withdrawn)",
    "STD": "São Tomé and Príncipe dobra, old (withdrawn)",
    "VEF": "Venezuelan bolívar, 2008-2018 (withdrawn)",
    "VED": "Venezuelan digital bolívar",
}

# What a Persian shop shows next to these prices (CLDR has no entry for them), and their decimals.
SHOP_SYMBOLS: dict[str, str] = {"IRT": "تومان", "IRHT": "هزار تومان", "IRHR": "هزار ریال"}
SHOP_DECIMALS: dict[str, int] = {"IRT": 0, "IRHT": 0, "IRHR": 0, "BTC": 8, "USDC": 2}
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@cache
def iso_currency_codes() -> frozenset[str]:
    """Current ISO 4217 codes: the ones Meta accepts in a price as they are."""
    return frozenset(currency.alpha_3 for currency in pycountry.currencies)


@cache
def known_currency_codes() -> frozenset[str]:
    """Every code WooCommerce, Shopify or Zoho can report for a shop."""
    return iso_currency_codes() | frozenset(SHOP_ONLY_CURRENCIES)


def currency_name(code: str) -> str:
    if code in SHOP_ONLY_CURRENCIES:
        return SHOP_ONLY_CURRENCIES[code]
    currency = pycountry.currencies.get(alpha_3=code)
    return currency.name if currency else code


def is_currency_code(value: str) -> bool:
    """Shaped like a currency code (what a shop's own custom currency must at least be)."""
    return bool(_CODE_SHAPE.match(value or ""))


def validate_currency(value: str) -> None:
    """For codes people type (API, admin): a code some supported shop uses."""
    if value not in known_currency_codes():
        raise ValidationError(
            f"'{value}' is not a currency code (ISO 4217 such as USD or IRR, "
            "or a shop's code such as IRT)."
        )


def conversion(mapping: Any, code: str) -> tuple[str, Decimal] | None:
    """(ISO code, rate) for `code` in a currency mapping, or None when it has no usable entry."""
    entry = mapping.get(code) if isinstance(mapping, dict) else None
    if not isinstance(entry, dict):
        return None
    target, rate = entry.get("currency"), entry.get("rate")
    if target not in iso_currency_codes():
        return None
    try:
        factor = Decimal(str(rate))
    except (InvalidOperation, ValueError):
        return None
    return (target, factor) if factor.is_finite() and factor > 0 else None


def validate_currency_mapping(value: Any) -> None:
    """`{"IRT": {"currency": "IRR", "rate": "10"}}`: shop code → ISO code and a positive rate."""
    if not isinstance(value, dict):
        raise ValidationError(
            'Expected an object such as {"IRT": {"currency": "IRR", "rate": "10"}}.'
        )
    for code in value:
        if not is_currency_code(code):
            raise ValidationError(f"'{code}' is not a currency code (3 to 10 letters or digits).")
        if conversion(value, code) is None:
            raise ValidationError(
                f"{code}: give the ISO 4217 currency Meta should see and a positive rate, "
                f'e.g. {{"currency": "IRR", "rate": "10"}}.'
            )


def decimals_for(code: str) -> int:
    if code in SHOP_DECIMALS:
        return SHOP_DECIMALS[code]
    return get_currency_precision(code) if code in iso_currency_codes() else 2


def format_shop_price(amount: Decimal, code: str, *, language: str) -> str:
    """A price as the shop's customers read it: `850,000 IRT`, or `۸۵۰٬۰۰۰ تومان` in Persian.

    Grouping and decimals follow the currency (no decimals for rials and tomans) and the
    admin's language (CLDR via Babel); Persian gets Persian digits and the shop's symbol.
    """
    digits = decimals_for(code)
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    if language.startswith("fa"):
        number = format_decimal(amount, format=pattern, locale="fa", numbering_system="default")
        symbol = SHOP_SYMBOLS.get(code) or (
            get_currency_symbol(code, locale="fa") if code in iso_currency_codes() else code
        )
        return f"{number.translate(_PERSIAN_DIGITS)}\u00a0{symbol}"
    number = format_decimal(amount, format=pattern, locale="en")
    return f"{number}\u00a0{code}"
