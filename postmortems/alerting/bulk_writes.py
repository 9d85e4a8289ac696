"""Many rows updated in one statement, cheaply in Python.

QuerySet.bulk_update writes one CASE branch per row and field: for the 500 alerts of a
resolved group that is thousands of expressions, which cost seconds to build and
compile (bench/README.md, "Alert ingest"), not the database. Alerts of a delivery
mostly change to the same values (one resolution time, one acknowledgement), so
rows_update writes one branch per distinct value of each field instead.
"""

import json
from collections.abc import Sequence

from django.db import models
from django.db.models import Case, Value, When

# Values a statement may carry (SQLite takes 32,766; PostgreSQL's protocol 65,535):
# a larger update is split, so only deliveries of thousands of alerts take two.
VALUES_PER_STATEMENT = 30_000


def rows_update(model: type[models.Model], rows: Sequence[models.Model], fields: list[str]) -> int:
    """Write `fields` of `rows` as they are in memory; returns the rows updated."""
    if not rows or not fields:
        return 0
    chunk = max(1, VALUES_PER_STATEMENT // (2 * len(fields) + 1))
    updated = 0
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        changes = {}
        for name in fields:
            field = model._meta.get_field(name)
            assert isinstance(field, models.Field)
            changes[field.attname] = _column(field, part)
        queryset = model._default_manager.filter(pk__in=[row.pk for row in part])
        updated += queryset.update(**changes)
    return updated


def _column(field: models.Field, rows: Sequence[models.Model]) -> Value | Case:
    by_value: dict[object, tuple[object, list]] = {}
    for row in rows:
        value = getattr(row, field.attname)
        key = (
            json.dumps(value, sort_keys=True, default=str)
            if isinstance(value, list | dict)
            else value
        )
        by_value.setdefault(key, (value, []))[1].append(row.pk)
    values = list(by_value.values())
    if len(values) == 1:
        return Value(values[0][0], output_field=field)
    return Case(
        *[When(pk__in=pks, then=Value(value, output_field=field)) for value, pks in values],
        output_field=field,
    )
