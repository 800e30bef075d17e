"""`manage.py retry_meta_sync`: selection, dry run, clear errors."""

from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from products_and_services.models import Product
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def fail(product: Product, attempts: int = 5) -> None:
    Product.objects.filter(pk=product.pk).update(
        meta_sync_attempts=attempts,
        meta_sync_last_error="Invalid price",
        meta_sync_next_attempt=None,
    )


def run(*args: str) -> str:
    out = StringIO()
    call_command("retry_meta_sync", *args, stdout=out)
    return out.getvalue()


def test_all_failed_resets_and_queues(
    tenant: Tenant, other_tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    failed, retrying, other = make_product(tenant), make_product(tenant), make_product(other_tenant)
    fail(failed)
    fail(retrying, attempts=2)
    fail(other)
    output = run("--tenant", "acme", "--all-failed")
    assert f"Reset: [acme] #{failed.pk}" in output
    assert "last error: Invalid price" in output
    assert "Queued 1 product(s)" in output
    row = Product.objects.get(pk=failed.pk)
    assert (row.meta_sync_attempts, row.meta_sync_last_error) == (0, "")
    assert row.meta_sync_next_attempt is not None
    assert Product.objects.get(pk=retrying.pk).meta_sync_attempts == 2
    assert Product.objects.get(pk=other.pk).meta_sync_attempts == 5


def test_dry_run_changes_nothing(tenant: Tenant, make_product: Callable[..., Product]) -> None:
    product = make_product(tenant)
    fail(product)
    output = run("--all-failed", "--dry-run")
    assert f"Would reset: [acme] #{product.pk}" in output
    assert "Nothing changed." in output
    assert Product.objects.get(pk=product.pk).meta_sync_attempts == 5


def test_specific_products(tenant: Tenant, make_product: Callable[..., Product]) -> None:
    a, b = make_product(tenant), make_product(tenant)
    fail(a, attempts=3)
    fail(b, attempts=3)
    assert "Queued 1 product(s)" in run("--product", str(a.pk))
    assert Product.objects.get(pk=a.pk).meta_sync_attempts == 0
    assert Product.objects.get(pk=b.pk).meta_sync_attempts == 3


def test_bad_input_is_a_clear_error(tenant: Tenant, make_product: Callable[..., Product]) -> None:
    product = make_product(tenant)
    fail(product)
    with pytest.raises(CommandError, match="--product ID"):
        run()
    with pytest.raises(CommandError, match="No tenant with slug 'nope'"):
        run("--tenant", "nope", "--all-failed")
    with pytest.raises(CommandError, match="No such product"):
        run("--product", "999999")
    assert Product.objects.get(pk=product.pk).meta_sync_attempts == 5
