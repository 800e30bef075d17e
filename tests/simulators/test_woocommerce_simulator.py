"""The WooCommerce simulator's listings: filtered on the stored products, and only the page
returned shaped as the API shows it (as WooCommerce's SQL does), so a large catalog costs a
page's work per request, not the catalog's."""

import base64
from typing import Any

import pytest

from simulators import woocommerce
from simulators.base import Request
from simulators.woocommerce import API, WooCommerceSimulator

AUTH = "Basic " + base64.b64encode(b"ck_sim:cs_sim").decode()


def get(sim: WooCommerceSimulator, path: str, **query: str) -> Any:
    request = Request(
        method="GET",
        path=API + path,
        query={k: [v] for k, v in query.items()},
        headers={"authorization": AUTH},
        body=b"",
        host_url="https://shop.example.com",
    )
    response = sim.dispatch(request)
    assert response.status == 200, response.body
    return response


@pytest.fixture
def shaped(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ids of the rows the simulator shaped for an answer."""
    ids: list[int] = []
    original = woocommerce.with_derived_fields

    def counting(item: dict[str, Any]) -> dict[str, Any]:
        ids.append(item["id"])
        return original(item)

    monkeypatch.setattr(woocommerce, "with_derived_fields", counting)
    return ids


def test_a_page_of_a_large_catalog_shapes_only_its_own_rows(shaped: list[int]) -> None:
    sim = WooCommerceSimulator(products=1000, variable_every=5)
    response = get(sim, "/products", page="3", per_page="100", orderby="id", order="asc")
    assert [p["id"] for p in response.body] == list(range(201, 301))
    assert shaped == list(range(201, 301))
    assert response.headers["X-WP-Total"] == "1000"
    assert response.body[0]["date_modified"] == response.body[0]["date_modified_gmt"]


def test_variations_are_shaped_for_their_product_only(shaped: list[int]) -> None:
    sim = WooCommerceSimulator(products=10, variable_every=5)
    response = get(sim, "/products/5/variations", per_page="100")
    assert sorted(v["id"] for v in response.body) == [100_050, 100_051, 100_052]
    assert sorted(shaped) == [100_050, 100_051, 100_052]


def test_on_sale_filters_on_the_sale_price_and_its_dates() -> None:
    sim = WooCommerceSimulator(products=4, variable_every=0)
    sim.products[1].update(sale_price="5.00")
    sim.products[2].update(sale_price="5.00", date_on_sale_from_gmt="2000-01-01T00:00:00")
    sim.products[3].update(sale_price="5.00", date_on_sale_from_gmt="2999-01-01T00:00:00")
    listed = get(sim, "/products", on_sale="true", orderby="id", order="asc").body
    assert [(p["id"], p["on_sale"]) for p in listed] == [(1, True), (2, True)]
    every = get(sim, "/products", orderby="id", order="asc").body
    assert [p["on_sale"] for p in every] == [True, True, False, False]


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        ({}, [1, 2, 3, 4, 5, 6]),
        ({"include": "2, 4,9"}, [2, 4]),
        ({"exclude": "2,4"}, [1, 3, 5, 6]),
        ({"sku": "WC-00003,WC-00005"}, [3, 5]),
        ({"type": "variable"}, [3, 6]),
        ({"status": "draft"}, [2]),
        ({"search": "PRODUCT 5"}, [5]),
        ({"modified_after": "2026-01-01T00:00:04"}, [5, 6]),
        ({"modified_before": "2026-01-01T00:00:02"}, [1]),
        ({"after": "2026-01-01T00:00:05", "status": "any"}, [6]),
        ({"stock_status": "outofstock"}, [6]),
    ],
)
def test_each_filter_keeps_what_it_names(query: dict[str, str], ids: list[int]) -> None:
    sim = WooCommerceSimulator(products=7, variable_every=3)
    sim.products[2]["status"] = "draft"
    sim.products[6]["stock_status"] = "outofstock"
    sim.products[7]["status"] = "trash"  # never listed unless asked for by status
    listed = get(sim, "/products", orderby="id", order="asc", **query).body
    assert [p["id"] for p in listed] == ids
