"""`manage.py create_tenant` and `manage.py create_api_key`."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from tenants.models import AuditLog, Tenant, TenantApiKey
from tenants.services import hash_key

pytestmark = pytest.mark.django_db

PRODUCTS = "/v1/catalog/products/"


def run(command: str, *args: str) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def issued_key(output: str) -> str:
    """The plain key is the last line the command prints."""
    return output.strip().splitlines()[-1]


# --- create_tenant ---


def test_create_tenant_derives_slug_and_prints_it() -> None:
    output = run("create_tenant", "Acme Outdoor")
    tenant = Tenant.objects.get()
    assert (tenant.name, tenant.slug, tenant.is_active) == ("Acme Outdoor", "acme-outdoor", True)
    assert output == f"Created tenant 'Acme Outdoor'\nslug: acme-outdoor\nid:   {tenant.id}\n"


def test_create_tenant_with_explicit_slug() -> None:
    output = run("create_tenant", "Acme Outdoor", "--slug", "Acme Shop")
    tenant = Tenant.objects.get()
    assert tenant.slug == "acme-shop"
    assert "slug: acme-shop\n" in output


def test_create_tenant_derived_slug_avoids_taken_one() -> None:
    run("create_tenant", "Acme Outdoor")
    output = run("create_tenant", "Acme Outdoor")
    assert sorted(Tenant.objects.values_list("slug", flat=True)) == [
        "acme-outdoor",
        "acme-outdoor-2",
    ]
    assert "slug: acme-outdoor-2\n" in output


def test_create_tenant_duplicate_slug_is_refused() -> None:
    run("create_tenant", "Acme Outdoor", "--slug", "acme")
    with pytest.raises(CommandError) as excinfo:
        run("create_tenant", "Acme Two", "--slug", "acme")
    assert str(excinfo.value) == "A tenant with slug 'acme' already exists."
    assert list(Tenant.objects.values_list("name", "slug")) == [("Acme Outdoor", "acme")]


def test_create_tenant_blank_name_is_refused() -> None:
    with pytest.raises(CommandError) as excinfo:
        run("create_tenant", "   ")
    assert str(excinfo.value) == "A tenant needs a name."
    assert Tenant.objects.count() == 0


def test_create_tenant_unusable_slug_is_refused() -> None:
    with pytest.raises(CommandError) as excinfo:
        run("create_tenant", "Acme", "--slug", "!!!")
    assert str(excinfo.value) == "The slug must contain letters or digits."
    assert Tenant.objects.count() == 0


# --- create_api_key ---


def test_create_api_key_prints_a_working_key(tenant: Tenant) -> None:
    output = run("create_api_key", "--tenant", "acme", "--scopes", "catalog:read", "catalog:write")
    plain_key = issued_key(output)
    lines = output.strip().splitlines()
    assert lines[:2] == [
        "API key for tenant 'acme' (catalog:read, catalog:write)",
        "Store it now; it cannot be shown again:",
    ]
    row = TenantApiKey.objects.get()
    assert (row.tenant_id, row.name, row.scopes) == (
        tenant.id,
        "cli",
        ["catalog:read", "catalog:write"],
    )
    assert row.key_hash == hash_key(plain_key)
    assert row.key_hash != plain_key

    client = APIClient()
    client.credentials(HTTP_X_TENANT_ID="acme", HTTP_X_TENANT_API_KEY=plain_key)
    listing = client.get(PRODUCTS)
    assert listing.status_code == 200
    assert listing.json()["count"] == 0
    created = client.post(PRODUCTS, {"name": "Tent", "price": "10.00"}, format="json")
    assert created.status_code == 201


def test_create_api_key_writes_an_audit_row(tenant: Tenant) -> None:
    run("create_api_key", "--tenant", "acme", "--scopes", "catalog:read", "--name", "shop-sync")
    row = TenantApiKey.objects.get()
    audit = AuditLog.objects.get()
    assert (audit.tenant_id, audit.actor, audit.action) == (tenant.id, "system", "api_key_created")
    assert audit.metadata == {"prefix": row.prefix, "name": "shop-sync", "scopes": ["catalog:read"]}


def test_create_api_key_accepts_comma_separated_scopes(tenant: Tenant) -> None:
    output = run("create_api_key", "--tenant", "acme", "--scopes", "catalog:write, catalog:read,")
    # Stored in canonical order, whatever order they were given in.
    assert TenantApiKey.objects.get().scopes == ["catalog:read", "catalog:write"]
    assert output.startswith("API key for tenant 'acme' (catalog:read, catalog:write)\n")
    client = APIClient()
    client.credentials(HTTP_X_TENANT_ID="acme", HTTP_X_TENANT_API_KEY=issued_key(output))
    assert client.get(PRODUCTS).status_code == 200


def test_create_api_key_unknown_scope_is_refused(tenant: Tenant) -> None:
    with pytest.raises(CommandError) as excinfo:
        run("create_api_key", "--tenant", "acme", "--scopes", "catalog:read", "catalog:delete")
    assert str(excinfo.value) == (
        "Unknown scope(s): catalog:delete. "
        "Allowed: catalog:read, catalog:write, integrations:manage."
    )
    assert TenantApiKey.objects.count() == 0
    assert AuditLog.objects.count() == 0


def test_create_api_key_without_any_scope_is_refused(tenant: Tenant) -> None:
    with pytest.raises(CommandError) as excinfo:
        run("create_api_key", "--tenant", "acme", "--scopes", ",")
    assert str(excinfo.value) == (
        "At least one scope is required. Allowed: catalog:read, catalog:write, integrations:manage."
    )
    assert TenantApiKey.objects.count() == 0


def test_create_api_key_unknown_tenant_is_refused(tenant: Tenant) -> None:
    with pytest.raises(CommandError) as excinfo:
        run("create_api_key", "--tenant", "nope", "--scopes", "catalog:read")
    assert str(excinfo.value) == "No tenant with slug 'nope'."
    assert TenantApiKey.objects.count() == 0
    assert AuditLog.objects.count() == 0
