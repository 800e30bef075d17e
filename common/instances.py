"""New model instances built the way Django builds the rows it reads: positional values.

`Model(**kwargs)` looks up every field by name, pops it, checks for related objects and
properties, which for a 37-field Product costs about 31 µs; a first import of 10,000
products with 3 variants each spent a fifth of its time there. Given every concrete field's
value in order, Django's own constructor takes a short path (11 µs).

Even that path sends `pre_init` and `post_init` and sets each attribute through `setattr`;
with 40,000 rows a Shopify export still spent a fifth of its storing thread in the
constructor, a quarter of that in sending signals nobody receives. So when the model keeps
Django's constructor and no receiver listens to either signal for it, the instance is made
as that constructor would leave it (a fresh `ModelState`, every column in `__dict__`)
without calling it. A receiver, or a model with its own `__init__`, gets the constructor.
"""

from collections.abc import Iterable, Sequence
from typing import Any, Generic, TypeVar

from django.db import models
from django.db.models.base import ModelState
from django.db.models.fields.files import FileDescriptor, ImageFileDescriptor
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init

M = TypeVar("M", bound=models.Model)

# A plain column's attribute has no setter; a foreign key's id drops a cached related object
# (a new instance has none); a file's stores the value, and an image's updates its dimension
# fields only when it replaces an earlier file.
_STORING_DESCRIPTORS = (
    DeferredAttribute,
    ForeignKeyDeferredAttribute,
    FileDescriptor,
    ImageFileDescriptor,
)


class Builder(Generic[M]):
    """Builds `model` instances from keyword values, as `model(**values)` would."""

    def __init__(self, model: type[M]) -> None:
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.relations = {field.name: field for field in self.fields if field.is_relation}
        self.attnames = {field.attname for field in self.fields}
        # A callable default is called for each instance not given that field (a fresh list
        # or dict); any other default is one value, which is what Django's get_default gives.
        self.constants = {
            field.attname: field.get_default() for field in self.fields if not _factory(field)
        }
        self.factories = {
            field.attname: factory for field in self.fields if (factory := _factory(field))
        }
        self.order = [field.attname for field in self.fields]
        self.own_init = needs_constructor(model)

    def __call__(self, **values: Any) -> M:
        """`values` by attribute name (`product_id`) or, for a relation, by name with the
        related object (`product=...`), which the instance then holds as `model(...)` would."""
        related = []
        for name in self.relations.keys() & values.keys():
            field, obj = self.relations[name], values.pop(name)
            values[field.attname] = None if obj is None else obj.pk
            related.append((field, obj))
        unknown = values.keys() - self.attnames
        if unknown:
            raise TypeError(f"{self.model.__name__} has no field named {sorted(unknown)[0]!r}")
        columns = {**self.constants, **values}
        for attname in self.factories.keys() - values.keys():
            columns[attname] = self.factories[attname]()
        instance = self._new(columns)
        for field, obj in related:
            field.set_cached_value(instance, obj)
        return instance

    def _new(self, columns: dict[str, Any]) -> M:
        """`model(*row)`, without the call where it would only send signals nobody hears.

        The same as the constructor's positional path leaves it: every column set (a foreign
        key's id too: a new instance has no related object cached that setting it would
        drop), `_state` adding and on no database."""
        model = self.model
        if self.own_init or _heard(model):
            return model(*[columns[attname] for attname in self.order])
        return _unconstructed(model, columns)


class Loader(Generic[M]):
    """Rows read as `values_list(*loader.columns)` made into the instances the same query
    without `values_list` would give (`model.from_db`): the other columns deferred, loaded on
    first access; `_state` not adding, on the database read. Skips the constructor as
    `Builder` does: the Meta push loads 5,000 products a batch this way."""

    def __init__(self, model: type[M], columns: Iterable[str]) -> None:
        self.model = model
        wanted = set(columns) | {model._meta.pk.attname}
        # In the model's column order, which `from_db` expects of a partial row.
        self.columns = [f.attname for f in model._meta.concrete_fields if f.attname in wanted]
        unknown = wanted - set(self.columns)
        if unknown:
            raise TypeError(f"{model.__name__} has no column named {sorted(unknown)[0]!r}")
        self.own_init = needs_constructor(model)

    def __call__(self, db: str, rows: Iterable[Sequence[Any]]) -> list[M]:
        model, columns = self.model, self.columns
        if self.own_init or _heard(model):
            return [model.from_db(db, columns, row) for row in rows]
        return [_unconstructed(model, zip(columns, row, strict=True), db) for row in rows]


def needs_constructor(model: type[models.Model]) -> bool:
    """Whether instances must come from the model's constructor: it has one of its own, or a
    column's attribute has a setter that does more, on a new instance, than store the value."""
    return model.__init__ is not models.Model.__init__ or any(
        type(model.__dict__.get(field.attname)) not in _STORING_DESCRIPTORS
        for field in model._meta.concrete_fields
    )


def _unconstructed(model: type[M], columns: Iterable[tuple[str, Any]], db: str | None = None) -> M:
    """An instance as Django's constructor leaves it, without calling it: these columns in
    `__dict__` and a fresh `ModelState`, new, or read from `db` when given."""
    instance = model.__new__(model)
    state = instance._state = ModelState()
    if db is not None:
        state.adding, state.db = False, db
    instance.__dict__.update(columns)
    return instance


def _heard(model: type[models.Model]) -> bool:
    """Whether a receiver listens to the constructor's signals for this model."""
    return pre_init.has_listeners(model) or post_init.has_listeners(model)


def _factory(field: Any) -> Any:
    """A callable default (called for each instance: a fresh list or dict), else None."""
    return field.default if field.has_default() and callable(field.default) else None
