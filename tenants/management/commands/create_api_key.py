"""`manage.py create_api_key --tenant SLUG --scopes catalog:read ...`; prints the key once."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.models import Tenant
from tenants.scopes import ALL_SCOPES
from tenants.services import InvalidScopeError, issue_api_key


class Command(BaseCommand):
    help = "Create a scoped API key for a tenant. The key is printed once and never stored."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", required=True, help="Tenant slug.")
        parser.add_argument(
            "--scopes",
            nargs="+",
            required=True,
            metavar="SCOPE",
            help=f"One or more of: {', '.join(ALL_SCOPES)} (space or comma separated).",
        )
        parser.add_argument("--name", default="cli", help="A label to recognise the key by.")

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"No tenant with slug '{options['tenant']}'.")
        scopes = [s.strip() for raw in options["scopes"] for s in raw.split(",") if s.strip()]
        try:
            issued = issue_api_key(tenant=tenant, name=options["name"], scopes=scopes)
        except InvalidScopeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"API key for tenant '{tenant.slug}' ({', '.join(issued.api_key.scopes)})"
            )
        )
        self.stdout.write("Store it now; it cannot be shown again:")
        self.stdout.write(issued.plain_key)
