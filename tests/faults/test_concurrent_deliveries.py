"""Two deliveries of one new upstream product, applied at the same moment, both land.

Found by the webhook load benchmark: the second delivery read "no such product", the first
then committed its creation, and the second's identity check saw the SKU taken by the product
the first had just made, so it failed with "SKU ... is already used" and was never retried:
the newer edit was lost. The interleaving is forced with a database hook on the second
delivery's connection (it stops at its first read of the identity table until the first
delivery has committed), not with sleeps.
"""

import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction

from integrations.engine.records import ProductRecord
from integrations.webhooks.apply import Applied, Outcome, apply_record
from products_and_services.models import CatalogIdentity, IdentityClash, Product
from tenants.models import Tenant
from tests.e2e.conftest import wait_until

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

IDENTITY_TABLE = CatalogIdentity._meta.db_table


def record(price: str, minute: int) -> ProductRecord:
    return ProductRecord(
        external_id="22",
        name="Load lamp",
        sku="LOAD-22",
        price=Decimal(price),
        images=("https://img.example.com/lamp.jpg",),
        external_updated_at=datetime(2026, 11, 30, 12, minute, tzinfo=UTC),
    )


def needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("the concurrent-delivery tests run on PostgreSQL in CI")
        pytest.skip("SQLite locks the whole database, so the two deliveries cannot interleave")


def apply(tenant: Tenant, item: ProductRecord) -> Applied:
    return apply_record(
        tenant=tenant,
        source="woocommerce",
        connection_key="store-1",
        record=item,
        default_currency="USD",
    )


def second_updated_the_first(
    first: Applied, outcome: list[Applied], errors: list[BaseException]
) -> None:
    """One product, created by the first delivery and updated by the second, with no clash."""
    assert errors == []
    assert first.outcome == Outcome.CREATED
    assert [a.outcome for a in outcome] == [Outcome.UPDATED]
    assert outcome[0].product_id == first.product_id
    assert list(Product.objects.values_list("sku", "price", "external_id")) == [
        ("LOAD-22", Decimal("2.00"), "22")
    ]
    assert IdentityClash.objects.count() == 0


def test_a_delivery_that_loses_the_creation_race_updates_the_new_product(tenant: Tenant) -> None:
    needs_postgresql()
    reached_identity_read = threading.Event()
    first_committed = threading.Event()
    outcome: list[Applied] = []
    errors: list[BaseException] = []

    def stop_once_at_identity_read(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        if IDENTITY_TABLE in sql and not reached_identity_read.is_set():
            reached_identity_read.set()
            assert first_committed.wait(timeout=30)
        return execute(sql, params, many, context)

    def second_delivery() -> None:
        try:
            with connection.execute_wrapper(stop_once_at_identity_read):
                outcome.append(apply(tenant, record("2.00", minute=5)))
        except BaseException as exc:  # reported in the main thread
            errors.append(exc)
        finally:
            connection.close()

    worker = threading.Thread(target=second_delivery)
    worker.start()
    assert reached_identity_read.wait(timeout=30)  # it has looked for the product: none yet
    first = apply(tenant, record("1.00", minute=1))  # the first delivery creates and commits
    first_committed.set()
    worker.join(timeout=60)

    second_updated_the_first(first, outcome, errors)


def test_a_delivery_whose_insert_meets_the_other_creation_updates_the_new_product(
    tenant: Tenant,
) -> None:
    """The other order: the first delivery has inserted but not committed when the second
    inserts, so the second waits on the unique key and then meets it (an IntegrityError)."""
    needs_postgresql()
    outcome: list[Applied] = []
    errors: list[BaseException] = []

    def second_delivery() -> None:
        try:
            outcome.append(apply(tenant, record("2.00", minute=5)))
        except BaseException as exc:  # reported in the main thread
            errors.append(exc)
        finally:
            connection.close()

    def second_waits_on_a_lock() -> bool:
        # A snapshot of pg_stat_activity is taken once per transaction: clear it each time.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            return cursor.fetchone()[0] == 1

    with transaction.atomic():
        first = apply(tenant, record("1.00", minute=1))  # inserted, not yet committed
        worker = threading.Thread(target=second_delivery)
        worker.start()
        wait_until(second_waits_on_a_lock, timeout=30)  # its insert waits on the unique key
    worker.join(timeout=60)

    second_updated_the_first(first, outcome, errors)
