"""API authentication: tenant API keys (X-TENANT-ID + X-TENANT-API-KEY) and staff sessions."""

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from products_and_services.models import Product
from tenants.models import AuditLog, Tenant, TenantApiKey
from tenants.scopes import CATALOG_READ, CATALOG_WRITE
from tenants.services import IssuedApiKey, hash_key, revoke_api_key

pytestmark = pytest.mark.django_db

PRODUCTS = "/v1/catalog/products/"
WWW_AUTHENTICATE = 'ApiKey realm="catalog-sync", header="X-TENANT-API-KEY"'
BAD_KEY = {"detail": "Invalid, revoked or mismatched API key."}
NEW_PRODUCT = {"name": "Tent", "sku": "TENT-1", "price": "120.00"}


def key_client(tenant_id: str | None, plain_key: str | None) -> APIClient:
    client = APIClient()
    headers: dict[str, str] = {}
    if tenant_id is not None:
        headers["HTTP_X_TENANT_ID"] = tenant_id
    if plain_key is not None:
        headers["HTTP_X_TENANT_API_KEY"] = plain_key
    client.credentials(**headers)
    return client


def assert_unauthorized(response: Any, body: dict[str, str]) -> None:
    assert response.status_code == 401
    assert response.json() == body
    assert response["WWW-Authenticate"] == WWW_AUTHENTICATE


# --- API keys: who may call ---


def test_key_with_tenant_slug_lists_products(
    tenant: Tenant,
    make_key: Callable[..., IssuedApiKey],
    make_product: Callable[..., Product],
) -> None:
    product = make_product(tenant, name="Lamp", sku="LAMP-1")
    issued = make_key(tenant, (CATALOG_READ,))
    response = key_client("acme", issued.plain_key).get(PRODUCTS)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert [(p["id"], p["name"], p["sku"]) for p in body["results"]] == [
        (product.pk, "Lamp", "LAMP-1")
    ]


@pytest.mark.parametrize("upper", [False, True], ids=["lowercase-uuid", "uppercase-uuid"])
def test_key_with_tenant_uuid_lists_products(
    tenant: Tenant,
    make_key: Callable[..., IssuedApiKey],
    make_product: Callable[..., Product],
    upper: bool,
) -> None:
    make_product(tenant, name="Lamp", sku="LAMP-1")
    issued = make_key(tenant, (CATALOG_READ,))
    tenant_id = str(tenant.id).upper() if upper else str(tenant.id)
    response = key_client(tenant_id, issued.plain_key).get(PRODUCTS)
    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert response.json()["results"][0]["sku"] == "LAMP-1"


def test_wrong_key_is_401(tenant: Tenant, make_key: Callable[..., IssuedApiKey]) -> None:
    issued = make_key(tenant)
    # Same prefix (so the row is found), a different secret of the right length.
    prefix_part, _, secret = issued.plain_key.partition(".")
    wrong_secret = ("A" if secret[0] != "A" else "B") + secret[1:]
    response = key_client("acme", f"{prefix_part}.{wrong_secret}").get(PRODUCTS)
    assert_unauthorized(response, BAD_KEY)


def test_key_with_unknown_prefix_is_401(tenant: Tenant) -> None:
    response = key_client("acme", "csk_abcdefghij." + "x" * 40).get(PRODUCTS)
    assert_unauthorized(response, BAD_KEY)


@pytest.mark.parametrize(
    "plain_key",
    [
        "not-a-key",
        "csk_",
        "csk_short.secret",
        "csk_abcdefghij" + "x" * 41,  # no dot
        "csk_abcdefghij." + "x" * 39,  # secret one character short
        "xyz_abcdefghij." + "x" * 40,  # wrong mark
    ],
)
def test_malformed_key_is_401(
    tenant: Tenant, make_key: Callable[..., IssuedApiKey], plain_key: str
) -> None:
    make_key(tenant)
    response = key_client("acme", plain_key).get(PRODUCTS)
    assert_unauthorized(response, BAD_KEY)


def test_key_of_tenant_a_with_tenant_b_header_is_401(
    tenant: Tenant,
    other_tenant: Tenant,
    make_key: Callable[..., IssuedApiKey],
    make_product: Callable[..., Product],
) -> None:
    make_product(other_tenant)
    issued = make_key(tenant)
    by_slug = key_client("globex", issued.plain_key).get(PRODUCTS)
    by_uuid = key_client(str(other_tenant.id), issued.plain_key).get(PRODUCTS)
    assert_unauthorized(by_slug, BAD_KEY)
    assert_unauthorized(by_uuid, BAD_KEY)


def test_revoked_key_is_401(tenant: Tenant, make_key: Callable[..., IssuedApiKey]) -> None:
    issued = make_key(tenant)
    client = key_client("acme", issued.plain_key)
    assert client.get(PRODUCTS).status_code == 200
    revoke_api_key(api_key=issued.api_key, actor="user:admin")
    assert_unauthorized(client.get(PRODUCTS), BAD_KEY)
    assert list(
        AuditLog.objects.filter(action="api_key_revoked").values_list("actor", flat=True)
    ) == ["user:admin"]


def test_key_of_inactive_tenant_is_401(
    tenant: Tenant, make_key: Callable[..., IssuedApiKey]
) -> None:
    issued = make_key(tenant)
    Tenant.objects.filter(pk=tenant.pk).update(is_active=False)
    assert_unauthorized(key_client("acme", issued.plain_key).get(PRODUCTS), BAD_KEY)


def test_key_without_tenant_header_is_401(
    tenant: Tenant, make_key: Callable[..., IssuedApiKey]
) -> None:
    issued = make_key(tenant)
    response = key_client(None, issued.plain_key).get(PRODUCTS)
    assert_unauthorized(response, {"detail": "X-TENANT-ID header is required with an API key."})


def test_no_credentials_is_401_with_challenge(tenant: Tenant) -> None:
    response = APIClient().get(PRODUCTS)
    assert_unauthorized(response, {"detail": "Authentication credentials were not provided."})


def test_tenant_header_alone_is_401(tenant: Tenant) -> None:
    response = key_client("acme", None).get(PRODUCTS)
    assert_unauthorized(response, {"detail": "Authentication credentials were not provided."})


# --- Scopes ---


def test_read_only_key_cannot_write(tenant: Tenant, make_key: Callable[..., IssuedApiKey]) -> None:
    issued = make_key(tenant, (CATALOG_READ,))
    response = key_client("acme", issued.plain_key).post(PRODUCTS, NEW_PRODUCT, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "This endpoint needs the 'catalog:write' scope."}
    assert Product.objects.count() == 0


def test_read_only_key_cannot_delete(
    tenant: Tenant, make_key: Callable[..., IssuedApiKey], make_product: Callable[..., Product]
) -> None:
    product = make_product(tenant)
    issued = make_key(tenant, (CATALOG_READ,))
    response = key_client("acme", issued.plain_key).delete(f"{PRODUCTS}{product.pk}/")
    assert response.status_code == 403
    assert response.json() == {"detail": "This endpoint needs the 'catalog:write' scope."}
    assert Product.objects.filter(pk=product.pk).count() == 1


def test_write_only_key_cannot_read(
    tenant: Tenant, make_key: Callable[..., IssuedApiKey], make_product: Callable[..., Product]
) -> None:
    make_product(tenant)
    issued = make_key(tenant, (CATALOG_WRITE,))
    response = key_client("acme", issued.plain_key).get(PRODUCTS)
    assert response.status_code == 403
    assert response.json() == {"detail": "This endpoint needs the 'catalog:read' scope."}


def test_write_key_can_write(tenant: Tenant, make_key: Callable[..., IssuedApiKey]) -> None:
    issued = make_key(tenant, (CATALOG_WRITE,))
    response = key_client("acme", issued.plain_key).post(PRODUCTS, NEW_PRODUCT, format="json")
    assert response.status_code == 201
    assert list(Product.objects.values_list("tenant_id", "sku")) == [(tenant.id, "TENT-1")]


# --- Bookkeeping and storage ---


def test_last_used_at_is_set_after_use(
    tenant: Tenant, make_key: Callable[..., IssuedApiKey]
) -> None:
    issued = make_key(tenant)
    assert TenantApiKey.objects.get(pk=issued.api_key.pk).last_used_at is None
    before = timezone.now()
    assert key_client("acme", issued.plain_key).get(PRODUCTS).status_code == 200
    last_used = TenantApiKey.objects.get(pk=issued.api_key.pk).last_used_at
    assert last_used is not None
    assert before <= last_used <= timezone.now()


def test_failed_auth_does_not_touch_last_used_at(
    tenant: Tenant, make_key: Callable[..., IssuedApiKey]
) -> None:
    issued = make_key(tenant)
    assert key_client("globex", issued.plain_key).get(PRODUCTS).status_code == 401
    assert TenantApiKey.objects.get(pk=issued.api_key.pk).last_used_at is None


def test_plain_key_is_never_stored(tenant: Tenant, make_key: Callable[..., IssuedApiKey]) -> None:
    issued = make_key(tenant, (CATALOG_READ, CATALOG_WRITE))
    plain = issued.plain_key
    secret = plain.partition(".")[2]
    row = TenantApiKey.objects.get(pk=issued.api_key.pk)
    assert row.key_hash != plain
    assert row.key_hash == hash_key(plain)
    assert len(row.key_hash) == 64
    assert row.prefix == plain[len("csk_") : len("csk_") + 10]
    stored = {f.attname: getattr(row, f.attname) for f in TenantApiKey._meta.concrete_fields}
    assert all(plain not in str(value) and secret not in str(value) for value in stored.values())
    # The audit trail records the key's creation without the key itself.
    audit = AuditLog.objects.get(action="api_key_created")
    assert audit.metadata == {
        "prefix": row.prefix,
        "name": "test",
        "scopes": [CATALOG_READ, CATALOG_WRITE],
    }
    assert secret not in str(audit.metadata)


# --- Staff sessions ---


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    def _make(username: str, *, is_staff: bool = True, tenants: tuple[Tenant, ...] = ()) -> User:
        user = User.objects.create_user(username=username, password="pw", is_staff=is_staff)
        for member_of in tenants:
            member_of.members.add(user)
        return user

    return _make


def session_client(user: User, tenant_id: str | None = None) -> APIClient:
    client = APIClient()
    client.force_login(user)
    if tenant_id is not None:
        client.credentials(HTTP_X_TENANT_ID=tenant_id)
    return client


def test_staff_member_lists_own_tenant_products(
    tenant: Tenant,
    other_tenant: Tenant,
    make_user: Callable[..., User],
    make_product: Callable[..., Product],
) -> None:
    make_product(tenant, sku="A-1")
    make_product(other_tenant, sku="B-1")
    user = make_user("alice", tenants=(tenant,))
    response = session_client(user).get(PRODUCTS)
    assert response.status_code == 200
    assert [p["sku"] for p in response.json()["results"]] == ["A-1"]


def test_staff_member_session_can_write(tenant: Tenant, make_user: Callable[..., User]) -> None:
    user = make_user("alice", tenants=(tenant,))
    response = session_client(user).post(PRODUCTS, NEW_PRODUCT, format="json")
    assert response.status_code == 201
    assert list(Product.objects.values_list("tenant_id", "sku")) == [(tenant.id, "TENT-1")]


def test_staff_with_two_tenants_must_choose(
    tenant: Tenant,
    other_tenant: Tenant,
    make_user: Callable[..., User],
    make_product: Callable[..., Product],
) -> None:
    make_product(tenant, sku="A-1")
    make_product(other_tenant, sku="B-1")
    user = make_user("alice", tenants=(tenant, other_tenant))
    response = session_client(user).get(PRODUCTS)
    assert_unauthorized(response, {"detail": "Send X-TENANT-ID to choose a tenant."})
    chosen = session_client(user, "globex").get(PRODUCTS)
    assert chosen.status_code == 200
    assert [p["sku"] for p in chosen.json()["results"]] == ["B-1"]
    by_uuid = session_client(user, str(tenant.id)).get(PRODUCTS)
    assert by_uuid.status_code == 200
    assert [p["sku"] for p in by_uuid.json()["results"]] == ["A-1"]


def test_staff_non_member_is_401(
    tenant: Tenant, other_tenant: Tenant, make_user: Callable[..., User]
) -> None:
    user = make_user("alice", tenants=(other_tenant,))
    response = session_client(user, "acme").get(PRODUCTS)
    assert_unauthorized(response, {"detail": "You have no access to that tenant."})


def test_staff_without_tenants_is_401(tenant: Tenant, make_user: Callable[..., User]) -> None:
    user = make_user("alice")
    response = session_client(user).get(PRODUCTS)
    assert_unauthorized(response, {"detail": "Your user belongs to no tenant."})


def test_staff_member_of_inactive_tenant_is_401(
    tenant: Tenant, make_user: Callable[..., User]
) -> None:
    user = make_user("alice", tenants=(tenant,))
    Tenant.objects.filter(pk=tenant.pk).update(is_active=False)
    response = session_client(user, "acme").get(PRODUCTS)
    assert_unauthorized(response, {"detail": "You have no access to that tenant."})


def test_superuser_session_picks_any_tenant(
    tenant: Tenant, other_tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    make_product(other_tenant, sku="B-1")
    admin = User.objects.create_superuser(username="root", password="pw")
    response = session_client(admin, "globex").get(PRODUCTS)
    assert response.status_code == 200
    assert [p["sku"] for p in response.json()["results"]] == ["B-1"]


def test_non_staff_session_is_401(
    tenant: Tenant, make_user: Callable[..., User], make_product: Callable[..., Product]
) -> None:
    make_product(tenant)
    user = make_user("bob", is_staff=False, tenants=(tenant,))
    response = session_client(user, "acme").get(PRODUCTS)
    assert_unauthorized(response, {"detail": "Authentication credentials were not provided."})
    write = session_client(user, "acme").post(PRODUCTS, NEW_PRODUCT, format="json")
    assert_unauthorized(write, {"detail": "Authentication credentials were not provided."})
    assert Product.objects.count() == 1
