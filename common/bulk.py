"""Fast per-row updates: on PostgreSQL one set-based UPDATE … FROM (VALUES …) for the rows,
elsewhere one prepared UPDATE run with executemany.

Django's bulk_update builds a CASE expression per field per row in Python, which
costs seconds for a few thousand rows. Here every value still goes through its field's own
`get_db_prep_save`, so JSON, decimals and dates are stored exactly as the ORM would store
them. On PostgreSQL the database joins the rows' values to the table in one statement (split
only to stay under the protocol's parameter limit) instead of running one UPDATE per row.
No signals are sent.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper

# PostgreSQL's wire protocol numbers parameters with 16 bits.
MAX_PARAMETERS = 65_535


def update_rows(
    model: type[models.Model], objects: Iterable[models.Model], fields: Sequence[str]
) -> int:
    """UPDATE `fields` of each object by primary key; returns how many objects were sent.

    When an object appears twice, the later one wins, as it would with one UPDATE each.
    """
    objs = list(objects)
    if not objs or not fields:
        return 0
    connection = connections[router.db_for_write(model)]
    columns = [model._meta.get_field(name) for name in fields]
    rows = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns]
        + [obj.pk]
        for obj in objs
    ]
    _write(model, columns, rows, _value_types(model, columns, connection), connection)
    return len(objs)


def _value_types(
    model: type[models.Model], columns: list[Any], connection: BaseDatabaseWrapper
) -> list[str] | None:
    """PostgreSQL types for the VALUES list (its literals are untyped otherwise); None where
    the set-based form is not available. Text columns travel as text, so an over-long value
    fails on assignment as it would in a plain UPDATE instead of being cut by a cast."""
    if connection.vendor != "postgresql":
        return None
    types = [field.db_type(connection) for field in [*columns, model._meta.pk]]
    if any(not db_type for db_type in types):
        return None
    return ["text" if t.startswith("varchar") else t for t in types]


def _write(
    model: type[models.Model],
    columns: list[Any],
    rows: list[list[Any]],
    casts: list[str] | None,
    connection: BaseDatabaseWrapper,
) -> None:
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    if casts is None:
        assignments = ", ".join(f"{quote(field.column)} = %s" for field in columns)
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {pk} = %s", rows)
        return
    rows = list({row[-1]: row for row in rows}.values())  # the later copy of a row wins
    names = ", ".join([*(f"c{i}" for i in range(len(columns))), "pk"])
    assignments = ", ".join(f"{quote(field.column)} = v.c{i}" for i, field in enumerate(columns))
    row_sql = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"
    per_statement = MAX_PARAMETERS // len(casts)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            part = rows[start : start + per_statement]
            cursor.execute(
                f"UPDATE {table} AS t SET {assignments} "
                f"FROM (VALUES {', '.join([row_sql] * len(part))}) AS v({names}) "
                f"WHERE t.{pk} = v.pk",
                [value for row in part for value in row],
            )
