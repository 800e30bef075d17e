"""Moving the test database between migration states, for tests of data migrations."""

from typing import Any

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

Targets = list[tuple[str, str]]


def newest() -> Targets:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def migrate(targets: Targets, *, tenants_at_newest: bool = False) -> Any:
    """Migrate to `targets` and return the apps of that state. With `tenants_at_newest`,
    tenants stay at their newest state, so rows made with today's model fit the table."""
    if tenants_at_newest:
        targets = [*targets, *(leaf for leaf in newest() if leaf[0] == "tenants")]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps
