"""The "Merchant staff" group: what a shop's staff may do in the admin, and nothing more.

Created (and brought up to date) after every `migrate`. Staff also need to be members of their
tenant (Tenants > members); the admin shows them only their tenants' rows.
"""

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


def staff_permission_query() -> Q:
    query = Q(pk__in=[])
    for app_label, models in STAFF_PERMISSIONS.items():
        for model, actions in models.items():
            codenames = [f"{action}_{model}" for action in actions]
            query |= Q(content_type__app_label=app_label, codename__in=codenames)
    return query


def ensure_merchant_staff_group() -> Group:
    """Create the group, or set its permissions back to exactly the documented ones."""
    group, _ = Group.objects.get_or_create(name=MERCHANT_STAFF)
    group.permissions.set(Permission.objects.filter(staff_permission_query()))
    return group
