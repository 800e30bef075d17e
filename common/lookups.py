"""`field__any=[...]`: membership in a long list as one array parameter on PostgreSQL.

Django spells `__in` with one placeholder per value. With psycopg's client-side binding each
placeholder is found and quoted in Python, and a query text that long is never cached: for a
pull page of 200 ids that was most of the time spent looking the page's rows up (the query
itself ran in half a millisecond). `= ANY(%s)` sends the list as one array, which PostgreSQL
plans exactly as it plans an IN list. Other databases (SQLite for `make run`) keep `IN`.

Registered on every field when the catalog app starts (`ProductsAndServicesConfig.ready`).
It replaces an earlier helper that sent integer ids as one JSON document unpacked by a
subquery: an array does the same for any type, and keeps the plain `= ANY` condition that the
planner matches to partial indexes.

A list of plain strings or integers for a text or integer column (the ids and SKUs of a page)
takes a shorter way: Django prepares each value three times over and psycopg quotes an array
value by value in Python, together more than the query's own time on the server for a page of
200 ids; such a list is taken as it is and sent as one array literal, cast to `text[]` or
`bigint[]` (never to `varchar(n)[]`, whose cast would cut a long value short).
"""

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    AutoField,
    BigAutoField,
    BigIntegerField,
    CharField,
    Field,
    ForeignKey,
    ForeignObject,
    IntegerField,
    PositiveIntegerField,
    TextField,
)
from django.db.models.lookups import In
from django.db.models.sql.compiler import SQLCompiler


class AnyOf(In):
    lookup_name = "any"

    # The array type plain values are sent as, when they take the short way (decided once,
    # when the lookup is built).
    plain_array: str | None = None

    def get_prep_lookup(self) -> Any:
        self.plain_array = self._plain_array()
        if self.plain_array is not None:
            return [value for value in self.rhs if value is not None]
        return super().get_prep_lookup()

    def _plain_array(self) -> str | None:
        """The array type when every value is already of the column's plain type, so that
        preparing it would return it unchanged: a `str` for a text column, an `int` for an
        integer one (a key, or a foreign key to one)."""
        if not isinstance(self.rhs, list | tuple | set | frozenset):
            return None
        field = getattr(self.lhs, "output_field", None)
        if isinstance(field, ForeignKey):
            field = field.target_field
        if type(field) not in _PLAIN_ARRAYS:  # exactly: a subclass may prepare values its way
            return None
        plain, array = _PLAIN_ARRAYS[type(field)]
        if all(type(value) is plain or value is None for value in self.rhs):
            return array
        return None

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple[Any, ...]]:
        if not self.rhs_is_direct_value():  # a subquery: as `__in`
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if self.plain_array is not None:
            if not self.rhs:
                raise EmptyResultSet
            return f"{lhs} = ANY(%s::{self.plain_array})", (*lhs_params, _array_literal(self.rhs))
        values = [
            self.lhs.output_field.get_db_prep_value(v, connection, prepared=True)
            for v in self.rhs
            if v is not None
        ]
        if not values:
            raise EmptyResultSet
        return f"{lhs} = ANY(%s)", (*lhs_params, values)


# Column kinds whose plain values take the short way, with the array type they are sent as.
_PLAIN_ARRAYS: dict[type, tuple[type, str]] = {
    **dict.fromkeys((CharField, TextField), (str, "text[]")),
    **dict.fromkeys(
        (IntegerField, BigIntegerField, PositiveIntegerField, AutoField, BigAutoField),
        (int, "bigint[]"),
    ),
}


def _array_literal(values: Any) -> str:
    """PostgreSQL's text form of an array: every element double-quoted, with backslash and
    double quote escaped (all else, commas and braces too, is literal inside the quotes)."""
    quoted = ('"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"' for value in values)
    return "{" + ",".join(quoted) + "}"


# Related fields keep lookups of their own, so they are told too (`product_id__any=[...]`).
Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)
