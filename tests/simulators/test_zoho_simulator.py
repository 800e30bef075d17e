"""The Zoho simulator behaves like Zoho accounts + Inventory v1 as our client relies on."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from simulators.base import SimulatorServer
from simulators.zoho import ZohoSimulator

CREDENTIALS = {
    "grant_type": "refresh_token",
    "refresh_token": "1000.sim-refresh",
    "client_id": "sim-client",
    "client_secret": "sim-secret",
}
ORG = {"organization_id": "sim-org"}


class FakeClock:
    """A monotonic clock the tests move by hand, so expiry and windows need no sleeping."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value

    def advance(self, seconds: float) -> None:
        self.value += seconds


@dataclass
class Sim:
    app: ZohoSimulator
    url: str
    clock: FakeClock

    def token(self) -> str:
        response = requests.post(f"{self.url}/oauth/v2/token", data=CREDENTIALS, timeout=5)
        return response.json()["access_token"]

    def get(self, path: str, token: str | None = None, **params: Any) -> requests.Response:
        """An inventory call with a fresh token and the right organisation unless told."""
        headers = {"Authorization": f"Zoho-oauthtoken {token or self.token()}"}
        return requests.get(
            f"{self.url}/inventory/v1{path}", params={**ORG, **params}, headers=headers, timeout=5
        )

    def control(self, method: str, path: str, body: Any = None) -> requests.Response:
        return requests.request(method, f"{self.url}/_sim{path}", json=body, timeout=5)


@pytest.fixture(scope="module")
def server() -> Iterator[Sim]:
    """One server per module (stopping one costs half a second); each test resets it."""
    clock = FakeClock()
    app = ZohoSimulator(seed_items=5, clock=clock)
    with SimulatorServer(app) as running:
        yield Sim(app, running.url, clock)


@pytest.fixture
def sim(server: Sim) -> Sim:
    """Five seeded items, default knobs, empty counters and no tokens."""
    server.control("POST", "/reset")
    return server


@pytest.fixture
def big(sim: Sim) -> Sim:
    sim.control("POST", "/seed", {"count": 1000})
    return sim


# --- accounts --------------------------------------------------------------------------------
def test_refresh_issues_a_token_pointing_back_at_the_simulator(sim: Sim) -> None:
    response = requests.post(f"{sim.url}/oauth/v2/token", data=CREDENTIALS, timeout=5)
    assert response.status_code == 200
    body = response.json()
    assert body["access_token"].startswith("1000.")
    assert body["expires_in"] == 3600
    assert body["api_domain"] == sim.url
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "ZohoInventory.items.READ"
    assert sim.control("GET", "/stats").json()["token_refreshes"] == 1


def test_refresh_ttl_follows_the_knob(sim: Sim) -> None:
    sim.control("POST", "/config", {"token_ttl_seconds": 120})
    response = requests.post(f"{sim.url}/oauth/v2/token", data=CREDENTIALS, timeout=5)
    assert response.json()["expires_in"] == 120


@pytest.mark.parametrize("field", ["client_id", "client_secret", "refresh_token"])
def test_wrong_credentials_answer_invalid_code_with_http_200(sim: Sim, field: str) -> None:
    data = {**CREDENTIALS, field: "wrong"}
    response = requests.post(f"{sim.url}/oauth/v2/token", data=data, timeout=5)
    assert response.status_code == 200
    assert response.json() == {"error": "invalid_code"}
    assert sim.control("GET", "/stats").json()["token_refreshes"] == 0


def test_eleventh_refresh_in_ten_minutes_is_refused(sim: Sim) -> None:
    for _ in range(10):
        assert requests.post(f"{sim.url}/oauth/v2/token", data=CREDENTIALS, timeout=5).ok
    refused = requests.post(f"{sim.url}/oauth/v2/token", data=CREDENTIALS, timeout=5)
    assert refused.status_code == 400
    assert refused.json() == {
        "error": "Access Denied",
        "error_description": (
            "You have made too many requests continuously. Please try again after some time."
        ),
    }
    stats = sim.control("GET", "/stats").json()
    assert stats["token_refreshes"] == 10
    assert stats["token_refresh_denied"] == 1
    sim.clock.advance(600)
    assert requests.post(f"{sim.url}/oauth/v2/token", data=CREDENTIALS, timeout=5).ok


# --- authorisation and organisation ----------------------------------------------------------
def test_missing_or_unknown_token_is_401_code_57(sim: Sim) -> None:
    bare = requests.get(f"{sim.url}/inventory/v1/items", params=ORG, timeout=5)
    unknown = sim.get("/items", token="1000.nope")
    for response in (bare, unknown):
        assert response.status_code == 401
        assert response.json() == {
            "code": 57,
            "message": "You are not authorized to perform this operation",
        }


def test_bearer_scheme_is_not_accepted(sim: Sim) -> None:
    response = requests.get(
        f"{sim.url}/inventory/v1/items",
        params=ORG,
        headers={"Authorization": f"Bearer {sim.token()}"},
        timeout=5,
    )
    assert response.status_code == 401


def test_token_expires_after_its_ttl(sim: Sim) -> None:
    token = sim.token()
    sim.clock.advance(3599)
    assert sim.get("/items", token=token).status_code == 200
    sim.clock.advance(1)
    assert sim.get("/items", token=token).status_code == 401


def test_expire_tokens_control_endpoint(sim: Sim) -> None:
    token = sim.token()
    assert sim.control("POST", "/expire_tokens").status_code == 200
    assert sim.get("/items", token=token).json()["code"] == 57
    assert sim.get("/items").status_code == 200  # a fresh token works again


def test_organization_id_is_required_and_checked(sim: Sim) -> None:
    headers = {"Authorization": f"Zoho-oauthtoken {sim.token()}"}
    missing = requests.get(f"{sim.url}/inventory/v1/items", headers=headers, timeout=5)
    assert missing.status_code == 400
    assert missing.json() == {"code": 2, "message": "Invalid value passed for organization_id"}
    wrong = sim.get("/items", organization_id="other-org")
    assert wrong.status_code == 400
    assert wrong.json() == {
        "code": 6041,
        "message": "This user is not associated with the CompanyID/CompanyName:other-org.",
    }


# --- listing ---------------------------------------------------------------------------------
def test_thousand_items_come_in_five_pages_of_two_hundred(big: Sim) -> None:
    token = big.token()
    seen: list[str] = []
    for page in range(1, 6):
        body = big.get("/items", token=token, page=page, per_page=200).json()
        assert body["code"] == 0
        assert body["message"] == "success"
        assert len(body["items"]) == 200
        context = body["page_context"]
        assert context["page"] == page
        assert context["per_page"] == 200
        assert context["has_more_page"] is (page < 5)
        seen += [item["item_id"] for item in body["items"]]
    assert seen == [str(4_600_000_000_000 + n) for n in range(1, 1001)]
    assert big.get("/items", token=token, page=6).json()["items"] == []


def test_seeded_item_fields(sim: Sim) -> None:
    item = sim.get("/items").json()["items"][0]
    assert item == {
        "item_id": "4600000000001",
        "name": "Zoho item 1",
        "sku": "ZI-00001",
        "description": "Description of Zoho item 1",
        "rate": 11.5,
        "stock_on_hand": 1.0,
        "available_stock": 1.0,
        "status": "active",
        "unit": "pcs",
        "group_id": "",
        "last_modified_time": "2026-01-31T10:00:01+0000",
    }


def test_per_page_defaults_and_is_clamped_to_200(big: Sim) -> None:
    token = big.token()
    default = big.get("/items", token=token).json()
    assert default["page_context"]["per_page"] == 200
    assert len(default["items"]) == 200
    clamped = big.get("/items", token=token, per_page=500).json()
    assert clamped["page_context"]["per_page"] == 200
    assert len(clamped["items"]) == 200


@pytest.mark.parametrize("page", ["0", "-1", "two"])
def test_bad_page_is_400_code_2(sim: Sim, page: str) -> None:
    response = sim.get("/items", page=page)
    assert response.status_code == 400
    assert response.json() == {"code": 2, "message": "Invalid value passed for page"}


def test_sort_by_last_modified_time_descending_puts_edited_item_first(sim: Sim) -> None:
    sim.clock.advance(30)
    edited = sim.control("POST", "/items/4600000000003", {"rate": 99.5}).json()
    assert edited["rate"] == 99.5
    assert edited["last_modified_time"] == "2026-03-01T00:00:30+0000"
    body = sim.get("/items", sort_column="last_modified_time", sort_order="D").json()
    ids = [item["item_id"] for item in body["items"]]
    assert ids == [f"460000000000{n}" for n in (3, 5, 4, 2, 1)]
    assert body["page_context"]["sort_column"] == "last_modified_time"
    assert body["page_context"]["sort_order"] == "D"
    ascending = sim.get("/items", sort_column="last_modified_time", sort_order="A").json()
    assert ascending["items"][-1]["item_id"] == "4600000000003"


def test_single_item_and_unknown_item_code_1002(sim: Sim) -> None:
    token = sim.token()
    found = sim.get("/items/4600000000002", token=token)
    assert found.status_code == 200
    assert found.json()["code"] == 0
    assert found.json()["item"]["name"] == "Zoho item 2"
    missing = sim.get("/items/4600000009999", token=token)
    assert missing.status_code == 200
    assert missing.json() == {"code": 1002, "message": "Item does not exist."}


# --- rate limit and faults -------------------------------------------------------------------
def test_101st_call_in_a_minute_is_429_with_retry_after_then_recovers(sim: Sim) -> None:
    token = sim.token()
    for _ in range(50):
        assert sim.get("/items", token=token).status_code == 200
    sim.clock.advance(20)
    for _ in range(50):
        assert sim.get("/items/4600000000001", token=token).status_code == 200
    throttled = sim.get("/items", token=token)
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "40"
    assert throttled.json() == {
        "code": 44,
        "message": "You have made too many requests. Please try after some time.",
    }
    sim.clock.advance(61)
    assert sim.get("/items", token=token).status_code == 200


def test_rate_limit_can_be_switched_off(sim: Sim) -> None:
    sim.control("POST", "/config", {"requests_per_minute": 0})
    token = sim.token()
    assert all(sim.get("/items", token=token).ok for _ in range(110))


def test_fail_next_fails_inventory_calls_but_not_token_calls(sim: Sim) -> None:
    sim.control("POST", "/config", {"fail_next": 2})
    token = sim.token()  # a token refresh is not an inventory call
    for _ in range(2):
        failed = sim.get("/items", token=token)
        assert failed.status_code == 500
        assert failed.json() == {"code": 500, "message": "Internal Server Error"}
    assert sim.get("/items", token=token).status_code == 200


def test_fail_on_page_fails_only_that_page_n_times(big: Sim) -> None:
    big.control("POST", "/config", {"fail_on_page": {"page": 3, "times": 2}})
    token = big.token()
    assert big.get("/items", token=token, page=2).status_code == 200
    assert big.get("/items", token=token, page=3).status_code == 500
    assert big.get("/items", token=token, page=3).status_code == 500
    assert big.get("/items", token=token, page=3).status_code == 200
    assert big.control("GET", "/config").json()["fail_on_page"]["times"] == 0


def test_control_endpoints_are_not_throttled_or_failed(sim: Sim) -> None:
    sim.control("POST", "/config", {"fail_next": 1, "requests_per_minute": 1})
    for _ in range(5):
        assert sim.control("GET", "/items").status_code == 200
    assert sim.control("GET", "/config").json()["fail_next"] == 1


# --- data control endpoints ------------------------------------------------------------------
def test_sim_items_add_edit_delete_and_list(sim: Sim) -> None:
    added = sim.control("POST", "/items", {"name": "Hand made", "rate": 3}).json()
    assert added["item_id"] == "4600000000006"
    assert added["sku"] == ""
    assert added["status"] == "active"
    assert sim.get(f"/items/{added['item_id']}").json()["item"]["name"] == "Hand made"

    edited = sim.control("POST", "/items/4600000000001", {"status": "inactive"})
    assert edited.json()["status"] == "inactive"
    assert sim.control("POST", "/items/123", {"name": "x"}).status_code == 404

    assert sim.control("DELETE", "/items/4600000000002").status_code == 200
    assert sim.control("DELETE", "/items/4600000000002").status_code == 404
    assert sim.get("/items/4600000000002").json()["code"] == 1002

    everything = sim.control("GET", "/items").json()["items"]
    assert [item["item_id"] for item in everything] == [
        "4600000000001",
        "4600000000003",
        "4600000000004",
        "4600000000005",
        "4600000000006",
    ]
    assert everything[0]["status"] == "inactive"


def test_seed_and_reset(sim: Sim) -> None:
    assert sim.control("POST", "/seed", {"count": 250}).json() == {"count": 250}
    assert sim.control("GET", "/stats").json()["items"] == 250
    sim.control("POST", "/items/4600000000001", {"name": "changed"})
    sim.control("POST", "/reset")
    items = sim.control("GET", "/items").json()["items"]
    assert len(items) == 5  # back to the constructor's seed
    assert items[0]["name"] == "Zoho item 1"


def test_listing_follows_adds_deletes_and_edits(sim: Sim) -> None:
    """The id order is kept between requests; adding or deleting an item changes it, and a
    sort by modification time (newest first) sees an edit at once."""
    token = sim.token()

    def ids(**params: Any) -> list[str]:
        return [i["item_id"] for i in sim.get("/items", token=token, **params).json()["items"]]

    first = ids()
    assert len(first) == 5
    added = sim.control("POST", "/items", {"name": "New"}).json()["item_id"]
    assert ids() == [*first, added]
    assert sim.control("DELETE", f"/items/{first[0]}").ok
    assert ids() == [*first[1:], added]
    sim.clock.advance(60)
    assert sim.control("POST", f"/items/{first[2]}", {"name": "Edited"}).ok
    newest = ids(sort_column="last_modified_time", sort_order="D")
    assert newest[0] == first[2]
    assert ids() == [*first[1:], added]  # the id order is untouched by the sorted copy
