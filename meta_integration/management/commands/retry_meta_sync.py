"""`manage.py retry_meta_sync`: reset failed products and queue them for a push to Meta."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet

from meta_integration.backoff import MAX_ATTEMPTS
from meta_integration.outbox import reset_attempts
from products_and_services.models import Product
from tenants.models import Tenant


class Command(BaseCommand):
    help = "Reset Meta sync attempts and queue products for an immediate push."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", help="Only this tenant (slug).")
        parser.add_argument(
            "--product",
            type=int,
            action="append",
            default=[],
            metavar="ID",
            help="A product id; repeat for several.",
        )
        parser.add_argument(
            "--all-failed",
            action="store_true",
            help=f"Every product that reached {MAX_ATTEMPTS} failed attempts.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Show what would be reset.")

    def select(self, options: dict[str, Any]) -> QuerySet[Product]:
        if not options["product"] and not options["all_failed"]:
            raise CommandError("Choose products with --product ID (repeatable) or --all-failed.")
        queryset = Product.objects.select_related("tenant").order_by("tenant__slug", "pk")
        if options["tenant"]:
            tenant = Tenant.objects.filter(slug=options["tenant"]).first()
            if tenant is None:
                raise CommandError(f"No tenant with slug '{options['tenant']}'.")
            queryset = queryset.filter(tenant=tenant)
        if options["product"]:
            queryset = queryset.filter(pk__in=options["product"])
            missing = set(options["product"]) - set(queryset.values_list("pk", flat=True))
            if missing:
                raise CommandError(
                    f"No such product(s) in scope: {', '.join(map(str, sorted(missing)))}."
                )
        if options["all_failed"]:
            queryset = queryset.filter(meta_sync_attempts__gte=MAX_ATTEMPTS)
        return queryset

    def handle(self, *args: Any, **options: Any) -> None:
        queryset = self.select(options)
        products = list(queryset)
        verb = "Would reset" if options["dry_run"] else "Reset"
        for product in products:
            error = (
                f" — last error: {product.meta_sync_last_error}"
                if product.meta_sync_last_error
                else ""
            )
            self.stdout.write(
                f"  {verb}: [{product.tenant.slug}] #{product.pk} {product.name} "
                f"(SKU {product.sku or '-'}, {product.meta_sync_attempts} attempts){error}"
            )
        if options["dry_run"]:
            self.stdout.write(
                f"Dry run: {len(products)} product(s) would be queued. Nothing changed."
            )
            return
        count = reset_attempts(Product.objects.filter(pk__in=[p.pk for p in products]))
        self.stdout.write(self.style.SUCCESS(f"Queued {count} product(s) for a push to Meta."))
