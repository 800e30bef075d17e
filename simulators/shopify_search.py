"""Shopify's search syntax for `query:` arguments, enough of it for products and variants.

Terms are ANDed (whitespace or `AND`); `OR` joins groups of terms; `-term` or `NOT term`
negates one. A term is `field:value` or `field:<op>value` with op `<`, `<=`, `>`, `>=`;
values may be quoted, date-only (`2026-01-02`, midnight UTC) or full timestamps;
`status:active,draft` matches any of the listed values; `title:tent*` is a prefix match.
A bare word matches the title. Fields the simulator does not know are ignored, as Shopify
ignores search fields a resource does not have.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

Row = dict[str, Any]
Predicate = Callable[[Row], bool]

TOKEN = re.compile(r"""(?:[^\s'"]+|'[^']*'|"[^"]*")+""")
TERM = re.compile(r"^(?P<field>[a-z_]+):(?P<op><=|>=|<|>)?(?P<value>.*)$")
DATE_FIELDS = {"updated_at": "updatedAt", "created_at": "createdAt"}
TEXT_FIELDS = {
    "title": "title",
    "product_type": "productType",
    "vendor": "vendor",
    "handle": "handle",
}


class SearchSyntaxError(ValueError):
    """A query the real API would also refuse (an unreadable date, an unclosed quote)."""


def parse_moment(value: str) -> datetime:
    """A date or timestamp as Shopify accepts it; naive values are UTC (the simulated shop's)."""
    text = value.strip().strip("'\"")
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return datetime.fromisoformat(text).replace(tzinfo=UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SearchSyntaxError(f"Invalid date in search query: {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _compare(op: str | None, left: Any, right: Any) -> bool:
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    if op == ">=":
        return left >= right
    return left == right


def _text_match(actual: str, wanted: str) -> bool:
    actual, wanted = actual.lower(), wanted.lower()
    if wanted.endswith("*"):
        return actual.startswith(wanted[:-1])
    return actual == wanted


def _term(token: str) -> Predicate:
    match = TERM.match(token)
    if not match:
        word = token.strip("'\"").lower()
        return lambda row: word in str(row.get("title", "")).lower()
    field, op, value = match["field"], match["op"], match["value"].replace("'", "").replace('"', "")
    if field in DATE_FIELDS:
        moment, key = parse_moment(value), DATE_FIELDS[field]
        return lambda row: _compare(op, parse_moment(str(row[key])), moment)
    if field == "status":
        wanted = {v.strip().upper() for v in value.split(",") if v.strip()}
        return lambda row: str(row.get("status", "")).upper() in wanted
    if field in TEXT_FIELDS:
        key = TEXT_FIELDS[field]
        return lambda row: _text_match(str(row.get(key) or ""), value)
    if field == "tag":
        return lambda row: any(_text_match(t, value) for t in row.get("tags") or [])
    if field == "sku":
        return lambda row: any(
            _text_match(str(v.get("sku") or ""), value) for v in row.get("_variants") or [row]
        )
    if field == "id":
        try:
            number = int(value.rsplit("/", 1)[-1])
        except ValueError:
            raise SearchSyntaxError(f"Invalid id in search query: {value!r}") from None
        return lambda row: _compare(op, int(str(row["id"]).rsplit("/", 1)[-1]), number)
    return lambda row: True


def compile_query(query: str | None) -> Predicate:
    """A predicate over simulator rows for one search query ("" or None: everything)."""
    if not query or not query.strip():
        return lambda row: True
    if query.count("'") % 2 or query.count('"') % 2:
        raise SearchSyntaxError(f"Invalid search query: unclosed quote in {query!r}")
    tokens = TOKEN.findall(query)
    groups: list[list[Predicate]] = [[]]
    negate_next = False
    for token in tokens:
        upper = token.upper()
        if upper == "AND":
            continue
        if upper == "OR":
            groups.append([])
            continue
        if upper == "NOT":
            negate_next = True
            continue
        negate = negate_next or token.startswith("-")
        negate_next = False
        predicate = _term(token[1:] if token.startswith("-") else token)
        groups[-1].append((lambda p: lambda row: not p(row))(predicate) if negate else predicate)
    return lambda row: any(all(p(row) for p in group) for group in groups if group)
