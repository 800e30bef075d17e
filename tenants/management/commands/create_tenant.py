"""`manage.py create_tenant NAME [--slug SLUG]`."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.services import create_tenant


class Command(BaseCommand):
    help = "Create a tenant (a merchant) and print its slug and id."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="Display name, e.g. 'Acme Outdoor'.")
        parser.add_argument("--slug", help="URL-safe identifier; derived from the name if omitted.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            tenant = create_tenant(name=options["name"], slug=options.get("slug"))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Created tenant '{tenant.name}'"))
        self.stdout.write(f"slug: {tenant.slug}\nid:   {tenant.id}")
