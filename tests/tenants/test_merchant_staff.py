"""The "Merchant staff" group: the documented permissions, and Celery's tables hidden."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test import Client

from tenants.models import Tenant
from tenants.staff_group import MERCHANT_STAFF, STAFF_PERMISSIONS, ensure_merchant_staff_group

pytestmark = pytest.mark.django_db


def test_migrate_creates_the_group_with_exactly_the_documented_permissions() -> None:
    group = Group.objects.get(name=MERCHANT_STAFF)
    granted = set(group.permissions.values_list("content_type__app_label", "codename"))
    expected = {
        (app, f"{action}_{model}")
        for app, models in STAFF_PERMISSIONS.items()
        for model, actions in models.items()
        for action in actions
    }
    assert granted == expected
    assert not any(
        app in {"auth", "django_celery_beat", "django_celery_results"} for app, _ in granted
    )
    assert ("tenants", "add_tenantapikey") not in granted
    group.delete()  # an operator who wants the documented set back deletes the group
    assert ensure_merchant_staff_group().permissions.count() == len(expected)


def granted(group: Group) -> set[str]:
    return set(group.permissions.values_list("codename", flat=True))


def test_migrate_keeps_what_an_operator_changed_in_the_group() -> None:
    group = Group.objects.get(name=MERCHANT_STAFF)
    before = granted(group)
    group.permissions.add(Permission.objects.get(codename="add_tenantapikey"))
    group.permissions.remove(Permission.objects.get(codename="delete_product"))
    call_command("migrate", verbosity=0)  # nothing to apply; post_migrate runs as always
    assert granted(Group.objects.get(name=MERCHANT_STAFF)) == (before | {"add_tenantapikey"}) - {
        "delete_product"
    }


def test_a_migration_creating_a_listed_model_grants_its_documented_permissions() -> None:
    """A release adding a model staff work with: its migration's permissions are added, and
    nothing the operator granted meanwhile is taken away."""
    group = Group.objects.get(name=MERCHANT_STAFF)
    group.permissions.set(Permission.objects.filter(codename__in=["view_user", "view_syncrun"]))
    creating_product = MigrationLoader(connection).graph.nodes[
        ("products_and_services", "0001_initial")
    ]
    emit_post_migrate_signal(0, False, "default", plan=[(creating_product, False)])
    assert granted(group) == {
        "view_user",
        "view_syncrun",
        "view_product",
        "add_product",
        "change_product",
        "delete_product",
        "view_productvariant",
        "add_productvariant",
        "change_productvariant",
        "delete_productvariant",
        "view_productimage",
        "add_productimage",
        "change_productimage",
        "delete_productimage",
    }


def test_staff_see_their_work_and_not_celerys_tables(tenant: Tenant) -> None:
    clerk = get_user_model().objects.create_user("clerk", password="pw-12345678", is_staff=True)
    clerk.groups.add(Group.objects.get(name=MERCHANT_STAFF))
    tenant.members.add(clerk)
    client = Client()
    client.force_login(clerk)
    assert client.get("/admin/products_and_services/product/").status_code == 200
    assert client.get("/admin/integrations/syncrun/").status_code == 200
    for url in (
        "/admin/django_celery_beat/periodictask/",
        "/admin/django_celery_results/taskresult/",
        "/admin/auth/user/",
        "/admin/tenants/tenant/",
    ):
        assert client.get(url).status_code == 403, url
    home = client.get("/admin/").content.decode()
    assert "Periodic tasks" not in home and "Task results" not in home
    boss = get_user_model().objects.create_superuser("boss", "b@example.com", "pw-12345678")
    client.force_login(boss)
    assert client.get("/admin/django_celery_beat/periodictask/").status_code == 200
