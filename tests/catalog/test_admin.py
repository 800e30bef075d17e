"""The product admin (query budget, inlines, search, tenant scoping) and the tenants admin."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission, User
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from products_and_services.models import Product, ProductImage, ProductVariant
from tenants.models import AuditLog, Tenant, TenantApiKey
from tenants.services import hash_key

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/products_and_services/product/"
API_KEY_ADD = "/admin/tenants/tenantapikey/add/"
AUDIT_LOG_ADD = "/admin/tenants/auditlog/add/"

# Session, user, tenant filter choices, count, the page of products (tenant joined), the
# user's and group permissions (menu), currency filter choices: none grows with the products.
CHANGELIST_QUERIES = 8


def bulk_products(tenant: Tenant, count: int, start: int = 0) -> list[Product]:
    return Product.objects.bulk_create(
        Product(tenant=tenant, name=f"Item {n}", sku=f"ITEM-{n:05d}", price=Decimal("10.00"))
        for n in range(start, start + count)
    )


@pytest.fixture
def superuser_client(db: None) -> Client:
    user = User.objects.create_superuser(username="root", password="pw", email="root@example.com")
    client = Client()
    client.force_login(user)
    return client


def changelist_queries(client: Client, params: dict[str, Any] | None = None) -> tuple[Any, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(CHANGELIST, params or {})
    return response, len(ctx.captured_queries)


@pytest.mark.parametrize("count", [10, 1000])
def test_changelist_query_count_is_constant(
    superuser_client: Client,
    tenant: Tenant,
    other_tenant: Tenant,
    count: int,
    django_assert_num_queries: Any,
) -> None:
    bulk_products(tenant, count)
    with django_assert_num_queries(CHANGELIST_QUERIES):
        response = superuser_client.get(CHANGELIST)
    assert response.status_code == 200
    changelist = response.context["cl"]
    assert changelist.result_count == count
    assert len(changelist.result_list) == min(count, 50)


def test_changelist_query_count_equal_for_10_and_1000(
    superuser_client: Client, tenant: Tenant
) -> None:
    bulk_products(tenant, 10)
    small, small_queries = changelist_queries(superuser_client)
    bulk_products(tenant, 990, start=10)
    large, large_queries = changelist_queries(superuser_client)
    assert (small.status_code, large.status_code) == (200, 200)
    assert small_queries == large_queries == CHANGELIST_QUERIES
    assert (small.context["cl"].result_count, large.context["cl"].result_count) == (10, 1000)


def test_change_page_renders_inlines(
    superuser_client: Client, tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    product = make_product(tenant, name="Dome Tent", sku="TENT-D", image_url=None)
    ProductVariant.objects.create(product=product, sku="TENT-D-S", options={"Size": "S"})
    ProductVariant.objects.create(product=product, sku="TENT-D-L", options={"Size": "L"})
    ProductImage.objects.create(product=product, url="https://cdn.example.com/dome.jpg")
    response = superuser_client.get(f"{CHANGELIST}{product.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="TENT-D-S"' in html
    assert 'value="TENT-D-L"' in html
    assert 'value="https://cdn.example.com/dome.jpg"' in html
    formsets = {fs.formset.prefix: fs.formset for fs in response.context["inline_admin_formsets"]}
    assert sorted(formsets) == ["images", "variants"]
    assert (len(formsets["variants"].forms), len(formsets["images"].forms)) == (2, 1)


def test_add_page_renders(superuser_client: Client) -> None:
    assert superuser_client.get(f"{CHANGELIST}add/").status_code == 200


def test_changelist_search(
    superuser_client: Client, tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    make_product(tenant, name="Tent", sku="SKU-5")
    make_product(tenant, name="Towel", sku="SKU-50")
    make_product(tenant, name="Stove", sku="SKU-6")
    make_product(tenant, name="SKU-5 adapter", sku="OTHER")
    response = superuser_client.get(CHANGELIST, {"q": "SKU-5"})
    assert response.status_code == 200
    changelist = response.context["cl"]
    assert changelist.result_count == 3
    assert sorted(p.sku for p in changelist.result_list) == ["OTHER", "SKU-5", "SKU-50"]


@pytest.fixture
def tenant_staff(tenant: Tenant) -> User:
    user = User.objects.create_user(username="alice", password="pw", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="products_and_services",
            codename__in=["view_product", "change_product"],
        )
    )
    tenant.members.add(user)
    return user


def test_staff_member_sees_only_own_tenant(
    tenant_staff: User,
    tenant: Tenant,
    other_tenant: Tenant,
    make_product: Callable[..., Product],
) -> None:
    mine = make_product(tenant, name="Acme Tent", sku="A-1")
    theirs = make_product(other_tenant, name="Globex Widget", sku="B-1")
    client = Client()
    client.force_login(tenant_staff)
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    changelist = response.context["cl"]
    assert [p.pk for p in changelist.result_list] == [mine.pk]
    html = response.content.decode()
    assert "Acme Tent" in html
    assert "Globex Widget" not in html
    assert client.get(f"{CHANGELIST}{mine.pk}/change/").status_code == 200
    # Another tenant's product is not found for them: the admin redirects with a message.
    other = client.get(f"{CHANGELIST}{theirs.pk}/change/")
    assert (other.status_code, other["Location"]) == (302, "/admin/")


def test_staff_member_search_stays_in_tenant(
    tenant_staff: User,
    tenant: Tenant,
    other_tenant: Tenant,
    make_product: Callable[..., Product],
) -> None:
    make_product(tenant, name="Acme Tent", sku="SKU-5")
    make_product(other_tenant, name="Globex Tent", sku="SKU-50")
    client = Client()
    client.force_login(tenant_staff)
    changelist = client.get(CHANGELIST, {"q": "SKU-5"}).context["cl"]
    assert [p.sku for p in changelist.result_list] == ["SKU-5"]


def test_api_key_add_shows_plain_key_once(superuser_client: Client, tenant: Tenant) -> None:
    response = superuser_client.post(
        API_KEY_ADD,
        {"tenant": str(tenant.id), "name": "shop", "scopes": ["catalog:read", "catalog:write"]},
        follow=True,
    )
    assert response.status_code == 200
    assert response.redirect_chain == [("/admin/tenants/tenantapikey/", 302)]
    row = TenantApiKey.objects.get()
    assert (row.tenant_id, row.name, row.scopes) == (
        tenant.id,
        "shop",
        ["catalog:read", "catalog:write"],
    )
    assert row.created_by is not None and row.created_by.username == "root"
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    key_messages = [t for t in texts if t.startswith("Copy this API key now")]
    assert len(key_messages) == 1
    plain_key = key_messages[0].split('<code id="cs-new-api-key">', 1)[1].split("</code>")[0]
    assert key_messages[0] == (
        "Copy this API key now; it will not be shown again: "
        f'<code id="cs-new-api-key">{plain_key}</code> <button type="button" '
        'class="btn btn-sm btn-light" data-copy-target="cs-new-api-key">Copy</button>'
    )
    assert row.key_hash == hash_key(plain_key)
    assert texts == [
        key_messages[0],
        f'The API key “<a href="/admin/tenants/tenantapikey/{row.pk}/change/">'
        f"shop ({row.prefix}…)</a>” was added successfully.",
    ]
    history = LogEntry.objects.get()
    assert (history.object_id, history.object_repr) == (str(row.pk), f"shop ({row.prefix}…)")
    assert response.content.decode().count(plain_key) == 1
    # It is never shown again.
    again = superuser_client.get(f"/admin/tenants/tenantapikey/{row.pk}/change/")
    assert again.status_code == 200
    assert plain_key not in again.content.decode()
    assert list(AuditLog.objects.values_list("action", "actor")) == [
        ("api_key_created", "user:root")
    ]


def test_api_key_add_without_scopes_creates_nothing(
    superuser_client: Client, tenant: Tenant
) -> None:
    response = superuser_client.post(API_KEY_ADD, {"tenant": str(tenant.id), "name": "shop"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"scopes": ["This field is required."]}
    assert TenantApiKey.objects.count() == 0


def test_audit_log_has_no_add_page(superuser_client: Client) -> None:
    assert superuser_client.get(AUDIT_LOG_ADD).status_code == 403
