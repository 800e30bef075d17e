"""The webhook's plain check of an event (`_plainly_valid`) only ever vouches for what the
serializer accepts, with the values the serializer gives; everything else, refusals included,
is the serializer's to answer, so error bodies cannot differ."""

import json
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rest_framework.exceptions import ValidationError

from integrations.webhooks.plugin_serializers import (
    PluginEventSerializer,
    _plainly_valid,
    event_to_store,
)
from tests.webhooks.conftest import plugin_event

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**65), max_value=2**65),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
)
AWKWARD_TEXT = st.sampled_from(
    ["", " ", "\t", " x", "x ", "x\n", "\x00", "a\x00", "\ud800", "b\udfff", "é", "١٢", "x" * 3]
)


def sized(*limits: int) -> st.SearchStrategy[str]:
    """Texts just under, at and over each limit, with and without whitespace at the ends."""
    return st.builds(
        lambda n, fill, lead: (lead + fill * n)[:n],
        st.sampled_from([n + d for n in limits for d in (-1, 0, 1)]),
        st.sampled_from(["a", " ", "é"]),
        st.sampled_from(["", " "]),
    )


def mostly(valid: st.SearchStrategy[Any], *odd: st.SearchStrategy[Any]) -> Any:
    """`valid` nine times in ten, else one of `odd` (so whole events are often valid)."""
    return st.integers(min_value=0, max_value=9).flatmap(lambda n: valid if n else st.one_of(*odd))


TEXT = mostly(st.text(max_size=30), AWKWARD_TEXT, JUNK)
PRICE = mostly(
    st.from_regex(r"\d{1,5}(\.\d{1,2})?", fullmatch=True),
    st.from_regex(r"\s?0*\d{0,13}(\.\d{0,3})?\s?", fullmatch=True),
    st.sampled_from(["", " ", "1e2", "+5", "-1", ".5", "5.", "999999999999", "1000000000000"]),
    st.integers(min_value=-2, max_value=10**12 + 1),
    st.floats(min_value=-1, max_value=1e13),
    JUNK,
)
STAMP = mostly(
    st.sampled_from(["2026-11-23T08:00:00", "2026-11-23T08:00:00Z", "2026-11-23T08:00:00+05:30"]),
    st.sampled_from(
        [
            "",
            "2026-11-23",
            "2026-11-23 08:00:00",
            "20261123T080000",
            "2026-W47-1T08:00",
            "2026-11-23T25:00:00",
            "2026-11-23T08:00:00ZZ",
            "0001-01-01T00:30:00+01:00",
            "9999-12-31T23:30:00-01:00",
            "0001-01-01T00:00:00",
            "9999-12-31T23:59:59",
        ]
    ),
    st.datetimes().map(datetime.isoformat),
    JUNK,
)
CODE = mostly(
    st.sampled_from(["USD", "eur", " IRT ", ""]),
    st.sampled_from([" ", "US", "ABCDEFGHIJK", "U$D", "€UR", "usd\x00"]),
    st.text(max_size=12),
    JUNK,
)
SLUG = mostly(
    st.from_regex(r"[-a-z0-9_]{0,12}", fullmatch=True),
    st.from_regex(r"[-a-zA-Z0-9_ ]{0,52}", fullmatch=True),
    AWKWARD_TEXT,
    JUNK,
)
URL = mostly(
    st.sampled_from(["https://shop.example.com/p/1", "", None]),
    st.sampled_from(["not a url", "https://a.example.com/\ud800", "x" * 10_001]),
    AWKWARD_TEXT,
    JUNK,
)
NAMES = mostly(st.lists(st.text(max_size=8), max_size=3), st.lists(AWKWARD_TEXT, max_size=2), JUNK)
PRODUCT = st.fixed_dictionaries(
    {
        "id": mostly(st.integers(min_value=1, max_value=10**6), st.integers(), JUNK),
        "name": mostly(st.text(min_size=1, max_size=20), sized(500), AWKWARD_TEXT, JUNK),
    },
    optional={
        "sku": mostly(st.text(max_size=10), sized(100), JUNK),
        "short_description": TEXT,
        "description": TEXT,
        "price": PRICE,
        "sale_price": PRICE,
        "currency": CODE,
        "stock_quantity": mostly(
            st.integers(min_value=-10, max_value=10**6),
            st.sampled_from([None, -(10**9) - 1, -(10**9), 2**31 - 1, 2**31]),
            JUNK,
        ),
        "stock_status": SLUG,
        "status": SLUG,
        "categories": NAMES,
        "tags": NAMES,
        "image": URL,
        "images": mostly(st.lists(URL, max_size=3), JUNK),
        "permalink": URL,
        "date_modified_gmt": STAMP,
        "date_on_sale_from_gmt": STAMP,
        "date_on_sale_to_gmt": STAMP,
        "extra": JUNK,
    },
)
EVENT = st.fixed_dictionaries(
    {
        "event_id": mostly(st.text(min_size=1, max_size=12), sized(255), AWKWARD_TEXT, JUNK),
        "event_type": mostly(
            st.sampled_from(["product.created", "product.updated", "product.deleted"]),
            st.sampled_from(["product.other", "", "PRODUCT.UPDATED"]),
            JUNK,
        ),
        "product": mostly(PRODUCT, JUNK),
    },
    optional={"occurred_at": STAMP, "extra": JUNK},
)


def stored_by_the_serializer(payload: dict[str, Any]) -> dict[str, Any] | None:
    serializer = PluginEventSerializer(data=payload)
    if not serializer.is_valid():
        return None
    data = serializer.validated_data
    stored = {key: data[key] for key in ("event_id", "event_type", "occurred_at") if key in data}
    return {**stored, "product": {"id": data["product"]["id"]}}


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(payload=EVENT)
def test_the_plain_check_vouches_only_for_what_the_serializer_accepts(
    payload: dict[str, Any],
) -> None:
    fast = _plainly_valid(payload)
    stored = stored_by_the_serializer(payload)
    event(
        "vouched"
        if fast is not None
        else "left to the serializer, which accepts"
        if stored
        else "refused"
    )
    if fast is not None:
        assert fast == stored


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(payload=EVENT)
def test_a_refusal_is_the_serializers_own(payload: dict[str, Any]) -> None:
    serializer = PluginEventSerializer(data=payload)
    if serializer.is_valid():
        assert event_to_store(payload)["event_id"] == serializer.validated_data["event_id"]
    else:
        with pytest.raises(ValidationError) as refused:
            event_to_store(payload)
        assert json.dumps(refused.value.detail) == json.dumps(serializer.errors)


@pytest.mark.parametrize(
    "payload",
    [
        plugin_event(),
        plugin_event(date_modified_gmt="2026-11-23T08:00:00", sale_price="", images=[]),
        {**plugin_event(event_type="product.deleted"), "occurred_at": "2026-11-23T08:00:00Z"},
        {"event_id": "e", "event_type": "product.deleted", "product": {"id": 415}},
    ],
)
def test_the_plugins_usual_events_take_the_plain_check(payload: dict[str, Any]) -> None:
    fast = _plainly_valid(payload)
    assert fast is not None
    assert fast == stored_by_the_serializer(payload)


STAMPS = [
    None,
    "",
    "2026-11-23",
    "2026-11-23T08:00:00",
    "2026-11-23T08:00:00Z",
    "2026-11-23T08:00:00+05:30",
    "0001-01-01T00:30:00+01:00",
    "0002-01-01T00:30:00+01:00",
    "9998-12-31T23:30:00-01:00",
    "9999-12-31T23:30:00-01:00",
]
TEXTS = ["", " ", "x", " x ", "\x00", "a\ud800", "é"]
EDGES: list[tuple[str, Any]] = [
    *[("id", v) for v in (0, 1, 2**63 - 1, 2**63, True, "1", 1.0, None)],
    *[("name", v) for v in ("x" * 500, "x" * 501, " " * 500, *TEXTS)],
    *[("sku", v) for v in ("x" * 100, "x" * 101, *TEXTS, 5)],
    *[("description", v) for v in ("x" * 100_000, "x" * 100_001, *TEXTS, None)],
    *[
        ("price", v)
        for v in (
            *("999999999999", "1000000000000", "0999999999999", "1.5", "1.", ".5", " 1"),
            *("١٢", "1e2", "+5", "-1", 10**12 - 1, 10**12, -1, 0, 12.5, True, None, ""),
        )
    ],
    *[("stock_quantity", v) for v in (-(10**9), -(10**9) - 1, 2**31 - 1, 2**31, True, 1.0)],
    *[("status", v) for v in ("publish", "a b", " publish", "x" * 50, "x" * 51, "a.b", "", "é")],
    *[("stock_status", v) for v in ("instock", "x" * 51, "in stock", None)],
    *[("currency", v) for v in ("usd", " USD ", "US", "ABCDEFGHIJ", "ABCDEFGHIJK", "U$D", "", " ")],
    *[("categories", v) for v in (["x" * 200], ["x" * 201], [""], [" "], [None], "Shoes")],
    *[("categories", v) for v in (["a"] * 200, ["a"] * 201, ["a\x00"])],
    *[("images", v) for v in ([None], ["x" * 10_000], ["x" * 10_001], [1], ["https://a/\ud800"])],
    *[("images", v) for v in (["a"] * 100, ["a"] * 101, "a")],
    *[("image", v) for v in (None, "", "x" * 10_000, "x" * 10_001, 5)],
    *[("date_modified_gmt", v) for v in STAMPS],
    *[("date_on_sale_to_gmt", v) for v in STAMPS],
]


@pytest.mark.parametrize(("field", "value"), EDGES)
def test_at_each_fields_edges_the_plain_check_agrees_with_the_serializer(
    field: str, value: Any
) -> None:
    payload = plugin_event(**{field: value})
    fast = _plainly_valid(payload)
    assert fast is None or fast == stored_by_the_serializer(payload)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        *[("occurred_at", v) for v in STAMPS],
        *[("event_id", v) for v in ("x" * 255, "x" * 256, *TEXTS)],
    ],
)
def test_at_the_events_edges_the_plain_check_agrees_with_the_serializer(
    key: str, value: Any
) -> None:
    payload = {**plugin_event(), key: value}
    fast = _plainly_valid(payload)
    assert fast is None or fast == stored_by_the_serializer(payload)
