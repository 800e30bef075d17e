"""Fast per-row writes: on PostgreSQL one set-based UPDATE (or INSERT) fed by the rows' values,
sent as one JSON document; elsewhere one prepared UPDATE run with executemany, or bulk_create.

Django's bulk_update builds a CASE expression per field per row in Python, which
costs seconds for a few thousand rows, and a VALUES list with a placeholder per value costs
as much again in the driver's query parsing. Here values are stored exactly as the ORM would
store them: a plain value (text, a number, an aware datetime, a finite decimal, a JSON
document of plain types) is taken as it is, and anything else goes through its field's own
`get_db_prep_save`. On PostgreSQL they travel as one JSON array of rows (one parameter) that
the database unpacks and casts to each column's type; a column every row holds alike (a page's
tenant, source and stamps, its empty fields) travels once beside it. No signals are sent.
"""

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from operator import attrgetter
from typing import Any, NamedTuple
from uuid import UUID

from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone


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
    types = _column_types(model, columns, connection)
    table = None
    if types is not None:
        latest = list({obj.pk: obj for obj in objs}.values())  # the later copy's values win
        keys = [obj.pk for obj in latest]
        table = _table(latest, _value_plan(columns, insert=False), types, connection, keys=keys)
    if table is None:  # not PostgreSQL, or a value JSON cannot carry
        rows = [
            [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns]
            + [obj.pk]
            for obj in objs
        ]
        _update_each(model, columns, rows, connection)
    else:
        _update_from_json(model, columns, table, connection)
    return len(objs)


def _column_types(
    model: type[models.Model], columns: list[Any], connection: BaseDatabaseWrapper
) -> list[str] | None:
    """PostgreSQL types to cast each value to (None: use the per-row form). Text columns are
    not cast, so an over-long value fails on assignment as in a plain UPDATE, never cut."""
    if connection.vendor != "postgresql":
        return None
    types = [field.db_type(connection) for field in [*columns, model._meta.pk]]
    if any(not db_type for db_type in types):
        return None
    return ["text" if t.startswith("varchar") or t == "text" else t for t in types]


class _Unsupported(TypeError):
    pass


def _json_cell(value: Any) -> Any:
    """A prepared value as JSON: a JSON column's document travels as its own text."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    dumps = getattr(value, "dumps", None)
    if hasattr(value, "obj") and (dumps is None or callable(dumps)):  # psycopg's Json/Jsonb
        return (dumps or json.dumps)(value.obj)
    raise _Unsupported(type(value).__name__)


class _Table(NamedTuple):
    """Rows as two JSON documents: `rows`, each row's own cells (and its key last, if any),
    and `shared`, the cells every row has alike, sent once; `cells` reads each column back."""

    rows: str
    shared: str
    cells: list[str]
    key: str | None


# Cells compared across rows to be sent once: plain JSON scalars of one type, where equal
# means the same JSON (a float's 0.0 and -0.0 are equal, so floats are not shared), and
# empty documents. 1 == True, so the type is checked too.
_SHAREABLE = frozenset({str, int, bool, type(None)})


def _shared(values: list[Any]) -> bool:
    """Every row holds this same cell (a page's tenant, source, stamps and empty fields)."""
    first = values[0]
    kind = type(first)
    if kind not in _SHAREABLE and not (kind in (list, dict) and not first):
        return False
    return values.count(first) == len(values) and len(set(map(type, values))) == 1


def _table(
    objs: list[models.Model],
    plan: list["_Column"],
    types: list[str],
    connection: BaseDatabaseWrapper,
    now: datetime | None = None,
    keys: list[Any] | None = None,
) -> _Table | None:
    """The objects' values, column by column (see `_column_values`), as JSON: a column every
    row holds alike travels once. None if a value cannot travel in JSON (a type JSON cannot
    carry, NaN or Infinity)."""
    own: list[list[Any]] = []
    shared: list[Any] = []
    cells: list[str] = []
    for column, db_type in zip(plan, types, strict=False):
        values = _column_values(objs, column, connection, now)
        if _shared(values):
            cells.append(_cell("c", len(shared), column.nested, db_type))
            shared.append(values[0])
        else:
            cells.append(_cell("r", len(own), column.nested, db_type))
            own.append(values)
    key = None
    if keys is not None:
        key = _cell("r", len(own), False, types[-1])
        own.append(keys)
    rows = list(zip(*own, strict=True)) if own else [() for _ in objs]
    try:
        return _Table(
            rows=json.dumps(rows, default=_json_cell, allow_nan=False),
            shared=json.dumps(shared, default=_json_cell, allow_nan=False),
            cells=cells,
            key=key,
        )
    except (_Unsupported, ValueError):
        return None


def _update_each(
    model: type[models.Model],
    columns: list[Any],
    rows: list[list[Any]],
    connection: BaseDatabaseWrapper,
) -> None:
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in columns)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {pk} = %s", rows)


# The rows' documents as a FROM list: each row `r` (numbered `n`) beside the shared cells `c`.
_ROWS = (
    "jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS d(r, n) "
    "CROSS JOIN (SELECT %s::jsonb) AS s(c)"
)


def _update_from_json(
    model: type[models.Model],
    columns: list[Any],
    rows: _Table,
    connection: BaseDatabaseWrapper,
) -> None:
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    assignments = ", ".join(
        f"{quote(field.column)} = {cell}" for field, cell in zip(columns, rows.cells, strict=True)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS t SET {assignments} FROM {_ROWS} WHERE t.{pk} = {rows.key}",
            [rows.rows, rows.shared],
        )


def _cell(document: str, index: int, nested: bool, db_type: str) -> str:
    """A column's value read from a row `r` or the shared cells `c`, cast to its type.

    `->>` gives SQL NULL for a JSON null and the value's text for the cast otherwise. A JSON
    column's document is nested in the row as it is (`->`), and its JSON null is SQL NULL, as
    the ORM stores None.
    """
    if nested:
        return f"NULLIF({document} -> {index}, 'null'::jsonb)"
    return f"({document} ->> {index})::{db_type}"


def _json_rows(
    model: type[models.Model], objs: list[models.Model], connection: BaseDatabaseWrapper
) -> tuple[list[Any], _Table] | None:
    """The non-key columns and the rows' values as JSON with the SELECT list that casts them
    back to the columns' types; None where the ORM must write the rows (not PostgreSQL, or a
    value JSON cannot carry)."""
    columns = [field for field in model._meta.concrete_fields if not field.primary_key]
    types = _column_types(model, columns, connection)
    if types is None:
        return None
    table = _table(objs, _value_plan(columns, insert=True), types, connection, timezone.now())
    return None if table is None else (columns, table)


def insert_rows(model: type[models.Model], objects: Iterable[models.Model]) -> int:
    """INSERT new objects and give each its primary key, as `bulk_create` does; no signals.

    Why not bulk_create: on PostgreSQL it sends each column as an array that psycopg quotes
    value by value in Python, about half the time of a pull's first run. Here the rows travel
    as one JSON parameter, and one statement takes a key from the table's sequence for each
    row, inserts the rows and returns the keys in the rows' order (so each object knows its
    own, whatever order the database writes them in). Elsewhere (SQLite) it is bulk_create.
    """
    objs = list(objects)
    if not objs:
        return 0
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    given_keys = any(obj.pk is not None for obj in objs)
    rows = None if given_keys else _json_rows(model, objs, connection)
    if rows is None:  # SQLite, given keys, or a value JSON cannot carry
        model._default_manager.bulk_create(objs, batch_size=None)
        return len(objs)
    columns, table = rows
    quote = connection.ops.quote_name
    names = ", ".join(quote(field.column) for field in [*columns, meta.pk])
    with connection.cursor() as cursor:
        # A data-modifying WITH runs once whether or not the outer query reads it; MATERIALIZED
        # makes the keys drawn once, so the rows inserted and the keys returned are the same.
        # The table's planner statistics ride along (see `_keep_statistics`).
        cursor.execute(
            f"WITH v AS MATERIALIZED (SELECT nextval(pg_get_serial_sequence(%s, %s)) AS k, "
            f"r, c, n FROM {_ROWS}), "
            f"i AS (INSERT INTO {quote(meta.db_table)} ({names}) "
            f"SELECT {', '.join(table.cells)}, k FROM v) "
            f"SELECT k, {_STATISTICS} FROM v ORDER BY n",
            [meta.db_table, meta.pk.column, table.rows, table.shared, meta.db_table, meta.db_table],
        )
        rows = cursor.fetchall()
        keys = [row[0] for row in rows]
        _keep_statistics(cursor, quote(meta.db_table), changed=rows[0][1], analyzed=rows[0][2])
    for obj, key in zip(objs, keys, strict=True):
        obj.pk = key
        obj._state.adding = False
        obj._state.db = connection.alias
    return len(objs)


# A table is analyzed by the writer once more rows changed since its last ANALYZE than this
# and than the table had then: autovacuum does so too, but when it is off or behind, a first
# import of 100,000 items ran on statistics of an empty table, and every page's lookup chose
# an index that reads the tenant's whole catalog (45 ms a page at 50,000 items instead of 1).
# At 10,000 a first import of exactly 10,000 items was never analyzed, and a re-run straight
# after it read every row of the catalog for each page (3.5 ms a page instead of 0.6).
# An ANALYZE of 10,000 products takes about 70 ms; the doubling rule keeps them few.
ANALYZE_AFTER = 2_000


# What `_keep_statistics` decides on, read in the writing statement itself (two parameters,
# both the table's name): the rows changed since its last ANALYZE, and how many it had then.
_STATISTICS = (
    "pg_stat_get_mod_since_analyze(%s::regclass), "
    "(SELECT reltuples FROM pg_class WHERE oid = %s::regclass)"
)


def _keep_statistics(cursor: Any, table: str, *, changed: int, analyzed: float) -> None:
    """ANALYZE after growth, a few times over a large import (each time the table doubled);
    SKIP_LOCKED: never wait on another session's ANALYZE or VACUUM inside a page's transaction."""
    if changed > max(ANALYZE_AFTER, analyzed):
        cursor.execute(f"ANALYZE (SKIP_LOCKED) {table}")


# Fields whose prepared value is the value itself when it is already of the plain type
# (their get_prep_value only converts: str(), int(), bool()); anything else takes the ORM's way.
# These plans serve only the PostgreSQL JSON path, where psycopg takes UUIDs and aware
# datetimes as they are (Django's PostgreSQL operations return them unchanged).
_PLAIN_FIELDS: dict[type, type] = {
    models.CharField: str,
    models.TextField: str,
    models.URLField: str,
    models.IntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.PositiveIntegerField: int,
    models.BigIntegerField: int,
    models.AutoField: int,
    models.BigAutoField: int,
    models.BooleanField: bool,
    models.UUIDField: UUID,
    models.DateTimeField: datetime,
    models.DecimalField: Decimal,
}
# What a plain value must also be to be taken as it is: an aware datetime (a naive one takes
# the ORM's way, which warns and makes it aware) and a finite decimal (the ORM refuses NaN).
_ALSO: dict[type, Callable[[Any], bool]] = {
    datetime: lambda value: value.tzinfo is not None,
    Decimal: Decimal.is_finite,
}
# A plain value as the document carries it, so that the encoder never calls back into Python
# for it (the callback, per value, was a fifth of encoding a page's rows).
_AS_TEXT: dict[type, Callable[[Any], str]] = {
    datetime: datetime.isoformat,
    Decimal: str,
    UUID: str,
}
_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain_type(field: Any) -> type | None:
    """The plain type of a field's values; a foreign key's is its target's."""
    if isinstance(field, models.ForeignKey):
        return _plain_type(field.target_field)
    return _PLAIN_FIELDS.get(type(field))


def _nests(field: Any) -> bool:
    """A JSON column whose values the document carries nested, as the ORM would encode them:
    a JSONField with the default encoder (a custom encoder's text takes the ORM's way)."""
    return isinstance(field, models.JSONField) and field.encoder is None


def _json_native(value: Any) -> bool:
    """A value the default encoder writes as it is: no type it would refuse or convert."""
    kind = type(value)
    if kind in _JSON_SCALARS:
        return True
    if kind is list:
        return all(_json_native(item) for item in value)
    if kind is dict:
        return all(type(key) is str and _json_native(item) for key, item in value.items())
    return False


def _is_stamp(field: Any) -> bool:
    """A DateTimeField set to now on every INSERT (auto_now or auto_now_add)."""
    return type(field) is models.DateTimeField and bool(field.auto_now or field.auto_now_add)


class _Column(NamedTuple):
    """How one column's values are taken from the objects."""

    attname: str
    field: Any
    plain: type | None  # the type its values may be taken as they are, if any
    also: Callable[[Any], bool] | None  # what such a value must also be
    as_text: Callable[[Any], str] | None  # how the document carries it
    stamp: bool  # set to the statement's time (inserts only)
    nested: bool  # a JSON document carried nested in the row


def _value_plan(columns: list[Any], *, insert: bool) -> list[_Column]:
    """Decided once per statement, so the per-value loop only looks."""
    plan = []
    for field in columns:
        plain = _plain_type(field)
        plan.append(
            _Column(
                attname=field.attname,
                field=field,
                plain=plain,
                also=_ALSO.get(plain) if plain else None,
                as_text=_AS_TEXT.get(plain) if plain else None,
                stamp=insert and _is_stamp(field),
                nested=_nests(field),
            )
        )
    return plan


def _column_values(
    objs: list[models.Model],
    column: _Column,
    connection: BaseDatabaseWrapper,
    now: datetime | None = None,
) -> list[Any]:
    """One column's value for every object, as the ORM would write it: for an INSERT (`now`
    given) through `pre_save`, for an UPDATE as the attribute holds it.

    A third of a pull's page went in the ORM's per-value calls, so a column whose values are
    all None or of its plain type is taken as it is, a JSON column of plain documents is nested
    as it is, and every row of one INSERT is stamped with one time (the ORM asks the clock once
    per row). Column by column, those checks run over the whole column at C speed; a column
    with any other value takes the per-value way (`_prepared_value`)."""
    if column.stamp and now is not None:
        for obj in objs:
            setattr(obj, column.attname, now)
        return [now.isoformat()] * len(objs)
    values = list(map(attrgetter(column.attname), objs))
    if column.nested:
        if all(value is None or _json_native(value) for value in values):
            return values
    elif column.plain is not None:
        kinds = set(map(type, values))
        kinds.discard(type(None))
        if kinds <= {column.plain}:
            present = [value for value in values if value is not None]
            if column.also is None or all(map(column.also, present)):
                if column.as_text is None:
                    return values
                if len(present) == len(values):
                    return list(map(column.as_text, values))
                return [None if value is None else column.as_text(value) for value in values]
    return [_prepared_value(obj, column, connection, now is not None) for obj in objs]


def _prepared_value(
    obj: models.Model, column: _Column, connection: BaseDatabaseWrapper, insert: bool
) -> Any:
    """One value the ORM's way, but a None or a plain value of a plain field as it is."""
    attname, field, plain, also, as_text, _, nested = column
    if plain or nested:
        value = getattr(obj, attname)
        if value is None or (nested and _json_native(value)):
            return value
        if type(value) is plain and (also is None or also(value)):
            return as_text(value) if as_text else value
    value = field.pre_save(obj, True) if insert else getattr(obj, attname)
    prepared = field.get_db_prep_save(value, connection)
    if nested and prepared is not None:
        prepared = json.loads(_json_cell(prepared))  # the ORM's own encoding, nested
    return prepared


def insert_missing(
    model: type[models.Model], objects: Iterable[models.Model], returning: Sequence[str]
) -> list[tuple[Any, ...]] | None:
    """INSERT new objects, skipping those a unique constraint refuses; no keys are drawn.

    On PostgreSQL one statement inserts and returns the `returning` fields of the rows it
    inserted, so a caller learns which rows lost a race without reading them back. Elsewhere
    it is bulk_create(ignore_conflicts=True) and returns None: the caller reads back.
    """
    objs = list(objects)
    if not objs:
        return []
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    rows = _json_rows(model, objs, connection)
    if rows is None:
        model._default_manager.bulk_create(objs, ignore_conflicts=True)
        return None
    columns, values = rows
    quote = connection.ops.quote_name
    names = ", ".join(quote(field.column) for field in columns)
    back = ", ".join(quote(meta.get_field(name).column) for name in returning)
    blanks = ", ".join("NULL" for _ in returning)
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        # The inserted rows, marked false, and one row (true) with the table's statistics
        # (see `_keep_statistics`): an identity table never analyzed during a first import
        # of 50,000 items made each page's lookup read the tenant's every row (13 ms a page
        # at the end instead of 2).
        cursor.execute(
            f"WITH i AS (INSERT INTO {table} ({names}) "
            f"SELECT {', '.join(values.cells)} FROM {_ROWS} "
            f"ON CONFLICT DO NOTHING RETURNING {back}) "
            f"SELECT false, {back}, NULL::bigint, NULL::real FROM i UNION ALL "
            f"SELECT true, {blanks}, {_STATISTICS}",
            [values.rows, values.shared, meta.db_table, meta.db_table],
        )
        rows = cursor.fetchall()
        [(*_, changed, analyzed)] = [row for row in rows if row[0]]
        _keep_statistics(cursor, table, changed=changed, analyzed=analyzed)
    return [tuple(row[1:-2]) for row in rows if not row[0]]
