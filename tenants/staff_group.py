"""The "Merchant staff" group: what a shop's staff may do in the admin, and nothing more.

Created after `migrate` when it is missing. After that the group is the operator's: a later
`migrate` only grants the documented permissions of models its own migrations created (a
release that adds a model staff work with), and never takes a permission away or puts back
one an operator removed. Staff also need to be members of their tenant (Tenants > members);
the admin shows them only their tenants' rows.
"""

from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

MERCHANT_STAFF = "Merchant staff"

# app label -> model -> actions. Anything not listed (users, groups, tenants, API keys beyond
# viewing, integration tokens beyond viewing, Celery's tables) is left out on purpose.
STAFF_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "products_and_services": {
        "product": ("view", "add", "change", "delete"),
        "productvariant": ("view", "add", "change", "delete"),
        "productimage": ("view", "add", "change", "delete"),
    },
    "integrations": {
        "syncrun": ("view",),
        "zohocredential": ("view", "change"),
        "woocommercestore": ("view", "change"),
        "shopifystore": ("view", "change"),
        "webhooklog": ("view",),
        "woocommerceeventlog": ("view",),
        "integrationtoken": ("view",),
    },
    "meta_integration": {"metaappconfig": ("view",), "metadeletion": ("view",)},
    "tenants": {"tenantapikey": ("view",), "auditlog": ("view",)},
    "knowledge": {"knowledgedocument": ("view",)},
}


def staff_permission_query(models: Iterable[tuple[str, str]] | None = None) -> Q:
    """The documented permissions, of every listed model or only of `models` ((app, model))."""
    wanted = None if models is None else set(models)
    query = Q(pk__in=[])
    for app_label, actions_by_model in STAFF_PERMISSIONS.items():
        for model, actions in actions_by_model.items():
            if wanted is not None and (app_label, model) not in wanted:
                continue
            codenames = [f"{action}_{model}" for action in actions]
            query |= Q(content_type__app_label=app_label, codename__in=codenames)
    return query


def ensure_merchant_staff_group(
    *, new_models: Iterable[tuple[str, str]] = (), using: str = "default"
) -> Group:
    """Create the group with the documented permissions when it is missing; otherwise add the
    documented permissions of `new_models` (created by the migrations just applied) only.

    Permissions are only ever added: what an operator granted stays, and what they removed
    stays removed unless its model is new. Deleting the group and running `migrate` gives the
    documented set back.
    """
    group, created = Group.objects.using(using).get_or_create(name=MERCHANT_STAFF)
    query = staff_permission_query() if created else staff_permission_query(new_models)
    group.permissions.add(*Permission.objects.using(using).filter(query))
    return group
