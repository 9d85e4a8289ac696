"""Instances of a model read in bulk, made without Model.__init__.

An alert storm's review editor reads 300 firings. Django's Model.from_db makes each
through Model.__init__ (a setattr per field through its descriptor, the pre_init and
post_init signals) and, for a read with only() columns, a list of every field marking
the ones not read: about 11 µs a row, three quarters of reading them (bench/README.md,
"Editor speed"). For a row from the database, what __init__ leaves is the values of
the columns read in the instance's __dict__ (a column not read is left out, and Django
reads it when asked, as after only()) and a ModelState saying where the row came from.
`Model.from_db` is Django's documented place to customize loading; a model opts in
with:

    @classmethod
    def from_db(cls, db, field_names, values):
        return instance_from_db(cls, db, field_names, values)

The plain path is kept for a model with pre_init or post_init receivers, or with a
field whose attribute does more than store its value when set.
"""

import inspect
from functools import cache
from typing import TypeVar

from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init

M = TypeVar("M", bound=Model)


def instance_from_db(model: type[M], db: str, field_names: list[str], values: tuple) -> M:
    """What model.from_db(db, field_names, values) returns, made directly."""
    if not _plain(model) or pre_init.has_listeners(model) or post_init.has_listeners(model):
        return Model.from_db.__func__(model, db, field_names, values)  # type: ignore[attr-defined]
    new = model.__new__(model)
    state = new._state = ModelState()
    state.adding = False
    state.db = db
    new.__dict__.update(zip(field_names, values, strict=True))
    return new


@cache
def _plain(model: type[Model]) -> bool:
    """Whether setting each field's attribute only stores the value: a plain field's
    (DeferredAttribute has no __set__) or a foreign key's id, whose __set__ also
    forgets a related object cached, which a new instance has not."""
    for field in model._meta.concrete_fields:
        attribute = inspect.getattr_static(model, field.attname, None)
        if type(attribute) not in (DeferredAttribute, ForeignKeyDeferredAttribute):
            return False
    return True
