"""Token endpoints: generated once, scoped, revocable, and never across tenants."""

import re
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from integrations.webhooks.models import IntegrationToken, WooCommerceEventLog
from integrations.webhooks.tokens import IssuedToken
from tenants.models import AuditLog, Tenant
from tenants.scopes import CATALOG_READ, INTEGRATIONS_MANAGE
from tenants.services import hash_key
from tests.webhooks.conftest import PLUGIN_HEALTH

pytestmark = pytest.mark.django_db

TOKENS = "/api/v1/integrations/tokens/"
GENERATE = "/api/v1/integrations/tokens/generate/"
EVENTS = "/api/v1/integrations/woocommerce/events/"
TOKEN_SHAPE = re.compile(r"^wc_sk_live_[A-Za-z0-9]{40}$")


def test_generate_returns_the_token_once_and_stores_only_its_hash(
    tenant: Tenant, client_for: Callable[..., APIClient]
) -> None:
    api = client_for(tenant, (INTEGRATIONS_MANAGE,))
    response = api.post(
        GENERATE, {"integration_type": "woocommerce", "name": "Main shop"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    plain = body["token"]
    assert TOKEN_SHAPE.match(plain)
    token = IntegrationToken.objects.get()
    assert body["id"] == token.pk
    assert body["prefix"] == plain[:19] == token.prefix
    assert (body["name"], body["integration_type"], body["environment"]) == (
        "Main shop",
        "woocommerce",
        "live",
    )
    assert body["store"] is None  # the tenant has no store yet
    assert token.token_hash == hash_key(plain)
    assert plain not in str(IntegrationToken.objects.values().get())
    listing = api.get(TOKENS).json()
    assert listing["count"] == 1
    assert "token" not in listing["results"][0]
    assert plain not in str(listing)
    audit = AuditLog.objects.get(action="integration_token_created")
    assert audit.metadata == {
        "prefix": token.prefix,
        "name": "Main shop",
        "integration_type": "woocommerce",
        "store_id": None,
    }


def test_test_environment_tokens_say_so(tenant: Tenant, api: APIClient) -> None:
    response = api.post(
        GENERATE,
        {"integration_type": "shopify", "name": "Staging", "environment": "test"},
        format="json",
    )
    assert response.status_code == 201
    assert re.match(r"^wc_sk_test_[A-Za-z0-9]{40}$", response.json()["token"])


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"name": "x"}, {"integration_type": ["This field is required."]}),
        ({"integration_type": "woocommerce"}, {"name": ["This field is required."]}),
        (
            {"integration_type": "magento", "name": "x"},
            {"integration_type": ['"magento" is not a valid choice.']},
        ),
        (
            {"integration_type": "woocommerce", "name": "x", "environment": "prod"},
            {"environment": ['"prod" is not a valid choice.']},
        ),
        (
            {"integration_type": "woocommerce", "name": ["x"]},
            {"name": ["Not a valid string."]},
        ),
    ],
)
def test_bad_generate_requests_write_nothing(
    api: APIClient, body: dict[str, object], errors: dict[str, list[str]]
) -> None:
    response = api.post(GENERATE, body, format="json")
    assert response.status_code == 400
    assert response.json() == errors
    assert IntegrationToken.objects.count() == 0


def test_scope_and_authentication_are_required(
    tenant: Tenant, client_for: Callable[..., APIClient]
) -> None:
    reader = client_for(tenant, (CATALOG_READ,))
    for response in (
        reader.get(TOKENS),
        reader.post(GENERATE, {"integration_type": "woocommerce", "name": "x"}, format="json"),
        reader.get(EVENTS),
    ):
        assert response.status_code == 403
        assert response.json() == {"detail": "This endpoint needs the 'integrations:manage' scope."}
    anonymous = APIClient()
    assert anonymous.get(TOKENS).status_code == 401
    assert anonymous.post(GENERATE, {}, format="json").status_code == 401
    assert IntegrationToken.objects.count() == 0


def test_revoke_deactivates_and_the_token_stops_working(
    tenant: Tenant, api: APIClient, make_token: Callable[..., IssuedToken]
) -> None:
    issued = make_token(tenant)
    plugin = APIClient()
    plugin.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.plain_token}")
    assert plugin.get(PLUGIN_HEALTH).status_code == 200
    response = api.delete(f"{TOKENS}{issued.token.pk}/")
    assert response.status_code == 204
    issued.token.refresh_from_db()
    assert issued.token.is_active is False
    assert issued.token.revoked_at is not None
    assert plugin.get(PLUGIN_HEALTH).status_code == 401
    assert AuditLog.objects.filter(action="integration_token_revoked").count() == 1
    assert api.get(TOKENS).json()["results"][0]["is_active"] is False


def test_other_tenants_tokens_are_invisible(
    tenant: Tenant,
    other_tenant: Tenant,
    api: APIClient,
    make_token: Callable[..., IssuedToken],
) -> None:
    mine = make_token(tenant)
    theirs = make_token(other_tenant)
    listing = api.get(TOKENS).json()
    assert [row["id"] for row in listing["results"]] == [mine.token.pk]
    response = api.delete(f"{TOKENS}{theirs.token.pk}/")
    assert response.status_code == 404
    theirs.token.refresh_from_db()
    assert theirs.token.is_active is True


def test_staff_session_may_manage_tokens(tenant: Tenant) -> None:
    user = User.objects.create_user("alice", password="pw", is_staff=True)
    tenant.members.add(user)
    client = APIClient()
    client.force_login(user)
    response = client.post(
        GENERATE, {"integration_type": "woocommerce", "name": "From admin"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["created_by"] == "alice"
    assert IntegrationToken.objects.get().created_by == user


def _event(tenant: Tenant, n: int, **fields: object) -> WooCommerceEventLog:
    values: dict[str, object] = {
        "tenant": tenant,
        "event_id": f"evt-{n}",
        "event_type": "product.updated",
        "woo_product_id": n,
        "payload": {"n": n},
    }
    values.update(fields)
    return WooCommerceEventLog.objects.create(**values)


def test_event_list_filters_pages_and_stays_in_tenant(
    tenant: Tenant, other_tenant: Tenant, api: APIClient
) -> None:
    ok = _event(tenant, 1, processed_successfully=True, outcome="updated")
    failed = _event(tenant, 2, event_type="product.deleted", error="boom")
    _event(tenant, 3, woo_product_id=1)
    _event(other_tenant, 1)
    everything = api.get(EVENTS).json()
    assert everything["count"] == 3
    assert api.get(EVENTS, {"processed_successfully": "true"}).json()["count"] == 1
    deleted = api.get(EVENTS, {"event_type": "product.deleted"}).json()
    assert [(e["id"], e["error"]) for e in deleted["results"]] == [(failed.pk, "boom")]
    by_product = api.get(EVENTS, {"woo_product_id": 1}).json()
    assert sorted(e["event_id"] for e in by_product["results"]) == ["evt-1", "evt-3"]
    page = api.get(EVENTS, {"page_size": 2}).json()
    assert (page["count"], len(page["results"]), page["next"] is not None) == (3, 2, True)
    assert ok.pk in {e["id"] for e in everything["results"]}
    bad = api.get(EVENTS, {"event_type": "product.exploded"})
    assert bad.status_code == 400
