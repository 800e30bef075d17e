"""`update_returning`: one statement updates a row and gives it back, as `QuerySet.update`
followed by `refresh_from_db()` would."""

from typing import Any

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from common.returning import update_returning
from integrations.models import SyncRun, SyncStatus
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def run() -> SyncRun:
    tenant = Tenant.objects.create(name="Acme", slug="acme")
    return SyncRun.objects.create(tenant=tenant, provider="zoho", connection_id=1, trigger="api")


def test_the_row_as_stored_comes_back_in_one_statement(run: SyncRun) -> None:
    SyncRun.objects.filter(pk=run.pk).update(created=4, errors=["a"])  # unseen by `run`
    with CaptureQueriesContext(connection) as queries:
        updated = update_returning(
            run,
            where={"status": SyncStatus.QUEUED},
            status=SyncStatus.RUNNING,
            chunks=F("chunks") + 1,
            cursor={"page": 2},
        )
    assert updated is True
    assert len(queries) == 1
    assert (run.status, run.chunks, run.created, run.errors, run.cursor) == (
        "running",
        1,
        4,
        ["a"],
        {"page": 2},
    )
    fresh = SyncRun.objects.get(pk=run.pk)
    assert {f.attname: getattr(run, f.attname) for f in SyncRun._meta.concrete_fields} == {
        f.attname: getattr(fresh, f.attname) for f in SyncRun._meta.concrete_fields
    }


def test_a_row_that_does_not_match_is_left_alone_and_the_object_reads_it(run: SyncRun) -> None:
    SyncRun.objects.filter(pk=run.pk).update(status=SyncStatus.CANCELLED, created=7)
    assert update_returning(run, where={"status": SyncStatus.QUEUED}, chunks=3) is False
    assert (run.status, run.created, run.chunks) == ("cancelled", 7, 0)
    assert SyncRun.objects.values_list("status", "chunks").get(pk=run.pk) == ("cancelled", 0)


def test_a_row_gone_raises_as_a_refresh_would(run: SyncRun) -> None:
    SyncRun.objects.filter(pk=run.pk).delete()
    with pytest.raises(SyncRun.DoesNotExist):
        update_returning(run, total=1)


def test_the_related_object_held_is_kept(run: SyncRun, django_assert_num_queries: Any) -> None:
    tenant = run.tenant
    update_returning(run, total=10)
    with django_assert_num_queries(0):
        assert run.tenant is tenant
