"""The seen-ids migration on real rows: a run in flight during the upgrade keeps its seen set."""

from collections.abc import Callable
from typing import Any

import pytest

from tests.migration_steps import migrate

BEFORE = [("integrations", "0007_sync_run_cursor_and_chunks")]
AFTER = [("integrations", "0009_sync_seen_drop_item_rows")]


@pytest.fixture
def old_apps(migrated_to: Callable[..., Any]) -> Any:
    return migrated_to(BEFORE)


def test_a_run_in_flight_keeps_every_id_it_saw(old_apps: Any) -> None:
    from tenants.models import Tenant  # tenants are not migrated back: today's model

    Run = old_apps.get_model("integrations", "SyncRun")
    Seen = old_apps.get_model("integrations", "SyncSeen")
    tenant = Tenant.objects.create(name="Acme", slug="acme").pk
    runs = [
        Run.objects.create(tenant_id=tenant, provider=p, connection_id=1, trigger="api")
        for p in ("zoho", "woocommerce")
    ]
    for run, ids in zip(runs, (["3", "1", "2"], ["woo_9"]), strict=True):
        for ref in ids:
            Seen.objects.create(run_id=run.pk, external_id=ref)

    new_apps = migrate(AFTER)
    seen = new_apps.get_model("integrations", "SyncSeen")
    assert sorted(seen.objects.values_list("run_id", "external_ids")) == [
        (runs[0].pk, ["1", "2", "3"]),
        (runs[1].pk, ["woo_9"]),
    ]
