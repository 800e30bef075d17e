"""`manage.py seed_demo`: the demo tenant, admin user and products for `make run`.

Idempotent: a second run keeps what exists and only fills gaps.
"""

from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from integrations.shopify.models import ShopifyStore
from integrations.woocommerce.models import WooCommerceStore
from integrations.zoho.models import ZohoCredential
from meta_integration.models import MetaAppConfig
from products_and_services.models import Product
from products_and_services.services import create_product
from tenants.models import Tenant

DEMO_PRODUCTS: list[dict[str, Any]] = [
    {
        "sku": "DEMO-TENT-2P",
        "name": "Trail Tent 2P",
        "price": Decimal("189.00"),
        "stock_quantity": 12,
        "brand": "Demo Outdoor",
        "categories": ["Tents"],
        "tags": ["camping"],
        "description": "A light two-person tent for three seasons.",
    },
    {
        "sku": "DEMO-BAG-20",
        "name": "Down Sleeping Bag -5C",
        "price": Decimal("240.00"),
        "sale_price": Decimal("199.00"),
        "stock_quantity": 4,
        "categories": ["Sleeping"],
    },
    {
        "sku": "DEMO-MUG",
        "name": "Enamel Camp Mug",
        "price": Decimal("12.50"),
        "stock_quantity": None,
        "categories": ["Kitchen"],
        "tags": ["gift"],
    },
    {
        "sku": "DEMO-LAMP",
        "name": "Rechargeable Lantern",
        "price": Decimal("35.00"),
        "stock_quantity": 0,
    },
    {"sku": "", "name": "Gift wrapping (no SKU, never pushed)", "price": Decimal("3.00")},
]


class Command(BaseCommand):
    help = "Create the demo tenant, an admin user and a few products (safe to run again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--admin-username", default="admin")
        parser.add_argument("--admin-password", required=True)
        parser.add_argument(
            "--zoho-url", help="Base URL of the Zoho simulator, to set up a demo credential."
        )
        parser.add_argument(
            "--woocommerce-url", help="Base URL of the WooCommerce simulator, for a demo store."
        )
        parser.add_argument(
            "--shopify-url", help="Base URL of the Shopify simulator, for a demo store."
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        tenant, _ = Tenant.objects.get_or_create(slug="demo", defaults={"name": "Demo Store"})
        user_model = get_user_model()
        admin_user = user_model.objects.filter(username=options["admin_username"]).first()
        if admin_user is None:
            admin_user = user_model.objects.create_superuser(
                username=options["admin_username"],
                email="admin@example.com",
                password=options["admin_password"],
            )
        tenant.members.add(admin_user)
        created = 0
        for spec in DEMO_PRODUCTS:
            fields = dict(spec)
            sku = fields.pop("sku")
            lookup = {"sku": sku} if sku else {"name": fields["name"]}
            if Product.objects.filter(tenant=tenant, **lookup).exists():
                continue
            variants = (
                [
                    {
                        "sku": f"{sku}-{color[:3].upper()}",
                        "name": f"{fields['name']} {color}",
                        "options": {"Color": color},
                        "stock_quantity": 6,
                    }
                    for color in ("Green", "Orange")
                ]
                if sku == "DEMO-TENT-2P"
                else []
            )
            # Through the catalog service, as every writer: identities, Meta pending, indexing.
            # Meta refuses a new item without an image: every demo product has one.
            create_product(
                tenant=tenant,
                fields={**fields, "sku": sku, "currency": "USD"},
                variants=variants,
                images=[{"url": f"https://demo-store.example.com/images/{sku}.jpg"}] if sku else [],
            )
            created += 1
        MetaAppConfig.objects.get_or_create(
            tenant=tenant,
            defaults={
                "catalog_id": "demo-catalog",
                "access_token": "demo-meta-token",
                "default_product_url": "https://demo-store.example.com/",
                "currency": "USD",
            },
        )
        if options.get("zoho_url"):
            ZohoCredential.objects.update_or_create(
                tenant=tenant,
                defaults={
                    "client_id": "sim-client",
                    "client_secret": "sim-secret",
                    "refresh_token": "1000.sim-refresh",
                    "organization_id": "sim-org",
                    "api_domain": options["zoho_url"],
                    "accounts_url": options["zoho_url"],
                    "currency": "USD",
                },
            )
        if options.get("woocommerce_url"):
            WooCommerceStore.objects.update_or_create(
                tenant=tenant,
                store_url=options["woocommerce_url"],
                defaults={"consumer_key": "ck_sim", "consumer_secret": "cs_sim"},
            )
        if options.get("shopify_url"):
            ShopifyStore.objects.update_or_create(
                tenant=tenant,
                shop_domain=options["shopify_url"],
                defaults={"access_token": "shpat_sim"},
            )
        self.stdout.write(f"Demo tenant '{tenant.slug}' ready ({created} products created).")
