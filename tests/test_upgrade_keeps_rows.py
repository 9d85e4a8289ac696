"""Upgrading from the last release keeps every row.

The test takes the database back to the schema of the last release, fills every table
of every app (through-tables included) with rows built from that release's migration
state, migrates forward to the newest migrations and compares each table's rows, by
primary key, on every column the release had. A later migration that loses, changes or
drops stored data fails here without a test of its own.

How it works, and why it is safe next to other tests:
- It is a transactional test (`transaction=True`): migrations cannot run inside the
  transaction that ordinary tests roll back. pytest-django empties every table after it.
- It migrates the test database *backwards* to the release with Django's own executor
  (so every migration since the release must be reversible, or the test fails and says
  which one), and a `finally` migrates it forward to the newest state again, so the
  tests that run after it in the same worker find the schema they expect.

When a migration drops or rewrites data on purpose, list the table or column in
INTENDED_CHANGES with the reason, and replace LAST_RELEASE at the next release.
"""

import datetime
import decimal
import uuid
from collections.abc import Iterable

import pytest
from django.db import connection, models
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

# The migration state of the last release: postmortems 0024_bounded_dates and, for every
# other app, its newest migration at that commit.
LAST_RELEASE: list[tuple[str, str]] = [
    ("account", "0009_emailaddress_unique_primary_email"),
    ("accounts", "0003_membership_source"),
    ("admin", "0003_logentry_add_action_flag_choices"),
    ("auth", "0012_alter_user_first_name_max_length"),
    ("axes", "0010_accessattemptexpiration"),
    ("contenttypes", "0002_remove_content_type_name"),
    ("postmortems", "0024_bounded_dates"),
    ("sessions", "0001_initial"),
    ("socialaccount", "0006_alter_socialaccount_extra_data"),
]

# Apps added since the last release: migrating back to LAST_RELEASE unapplies them, as
# their first migrations depend on later postmortems migrations.
NEW_APPS: dict[str, str] = {
    "audit": "audit 0001 takes over the audit log from postmortems (postmortems 0030); "
    "its table keeps its name and its rows",
}

# Tables ("table") or columns ("table.column") a later migration changes on purpose,
# with the reason. Empty: since the last release, no migration may change stored rows.
INTENDED_CHANGES: dict[str, str] = {
    "postmortems_alertlink.incident_id": "0025_alert_groups moves an alert's incident to "
    "its group (alertlink.group_id -> alertgroup.incident_id); "
    "tests/alerting/test_alert_groups_migration.py checks every link keeps it",
    "django_content_type.app_label": "postmortems 0030 moves the audit log's content type "
    "to the audit app (postmortems -> audit), with the model",
    "django_content_type.model": "postmortems 0031 renames the outbox's content type "
    "with its model (outboundemail -> outboundmessage)",
}

# Tables whose check constraint allows a single row (id = 1).
SINGLE_ROW = {"postmortems.beatheartbeat", "postmortems.remindersweeprecord"}

MOMENT = datetime.datetime(2025, 3, 14, 9, 26, 53, 589793, tzinfo=datetime.UTC)
PROSE = "Ünïcödé “quotes” — 日本語 🚒 line one\nline two"


def _value(model: type[models.Model], field: models.Field, row: int, full: bool):
    """A realistic value for one column. The sparse row (full=False) leaves every
    nullable column empty; the full row fills it, with non-ASCII text where text goes."""
    if field.null and not full:
        return None
    if field.choices:
        values = [value for value, _ in field.flatchoices]
        return values[-1] if full else values[0]
    label = model._meta.label_lower
    if isinstance(field, models.BooleanField):
        return full
    if isinstance(field, models.DateTimeField):
        return MOMENT
    if isinstance(field, models.DateField):
        return MOMENT.date()
    if isinstance(field, models.TimeField):
        return MOMENT.time()
    if isinstance(field, models.DurationField):
        return datetime.timedelta(minutes=90 + row)
    if isinstance(field, models.DecimalField):
        return decimal.Decimal("1.5")
    if isinstance(field, models.FloatField):
        return 1.5 + row
    if isinstance(field, models.IntegerField):  # every integer kind; check ranges stay small
        return row + 1
    if isinstance(field, models.UUIDField):
        return uuid.uuid5(uuid.NAMESPACE_URL, f"{label}/{field.name}/{row}")
    if isinstance(field, models.JSONField):
        return {"row": row, "text": PROSE, "list": [1, None, True], "nested": {"ü": [2.5]}}
    if isinstance(field, models.BinaryField):
        return f"{label} {row}".encode()
    if isinstance(field, models.GenericIPAddressField):
        return f"203.0.113.{row + 1}" if row % 2 else f"2001:db8::{row + 1}"
    if isinstance(field, models.EmailField):
        return f"row{row}.{field.name}.{model._meta.model_name}@exämple.org"
    if isinstance(field, models.URLField):
        return f"https://example.org/{label}/{row}/ü"
    if isinstance(field, models.SlugField):
        return f"{model._meta.model_name}-{field.name}-{row}"[: field.max_length]
    if type(field).__name__ == "SearchVectorField":
        return None  # written by the database (postmortems/services/search_index.py), see below
    if isinstance(field, models.TextField):
        return f"{label}.{field.name} {row}: {PROSE}"
    if isinstance(field, models.CharField):
        text = f"{field.name} {row} ünï 日本"
        limit = field.max_length or len(text)  # Django requires one on a CharField
        return text[-limit:] if limit < len(text) else text
    raise AssertionError(f"No sample value for {label}.{field.name} ({type(field).__name__})")


def _overrides(label: str, row: int, full: bool, related: dict) -> dict:
    """Where a check constraint ties columns together."""
    if label == "postmortems.subscription":
        # Exactly one target: a service, or a tag.
        if row == 0:
            return {"service": None, "tag": related["postmortems.tag"][row]}
        return {"service": related["postmortems.service"][row], "tag": None}
    return {}


def _fill_order(apps_models: Iterable[type[models.Model]]) -> list[type[models.Model]]:
    """Models so that each comes after the models its foreign keys point to."""
    remaining = {m._meta.label_lower: m for m in apps_models}
    ordered: list[type[models.Model]] = []
    done: set[str] = set()
    while remaining:
        ready = [
            label
            for label, model in remaining.items()
            if all(
                f.related_model._meta.label_lower in done or f.related_model is model
                for f in model._meta.concrete_fields
                if f.is_relation and not f.null
            )
            and all(
                f.related_model._meta.label_lower in done
                or f.related_model is model
                or f.related_model._meta.label_lower not in remaining
                for f in model._meta.concrete_fields
                if f.is_relation
            )
        ]
        if not ready:  # a cycle through nullable keys: they stay empty in the first pass
            ready = [
                label
                for label, model in remaining.items()
                if all(
                    f.related_model._meta.label_lower in done or f.related_model is model
                    for f in model._meta.concrete_fields
                    if f.is_relation and not f.null
                )
            ]
        assert ready, f"Cannot order {sorted(remaining)}"
        for label in sorted(ready):
            ordered.append(remaining.pop(label))
            done.add(label)
    return ordered


def _fill_every_table(apps) -> dict[str, int]:
    """Two rows in every table (one sparse, one full); returns the row counts added."""
    tables = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy
    ]
    related: dict[str, list] = {}  # label -> the rows made, by row number
    added: dict[str, int] = {}
    for model in _fill_order(tables):
        label = model._meta.label_lower
        related[label] = []
        for row in range(1 if label in SINGLE_ROW else 2):
            full = row == 1
            values: dict[str, object] = {}
            for field in model._meta.concrete_fields:
                if isinstance(field, models.AutoField):
                    continue
                if field.is_relation:
                    target = related.get(field.related_model._meta.label_lower, [])
                    if field.related_model is model:
                        target = related[label]  # a row points to the one made before it
                    if (field.null and not full) or not target:
                        assert field.null, f"{label}.{field.name} has nothing to point to"
                        values[field.name] = None
                    else:
                        values[field.name] = target[min(row, len(target) - 1)]
                    continue
                values[field.attname] = _value(model, field, row, full)
            values.update(_overrides(label, row, full, related))
            related[label].append(model._base_manager.create(**values))
        added[model._meta.db_table] = len(related[label])
    if connection.vendor == "postgresql":
        connection.cursor().execute(
            "UPDATE postmortems_searchentry SET search_vector = to_tsvector('simple', %s)",
            [PROSE],
        )
    return added


def _rows(tables: Iterable[str]) -> dict[str, dict]:
    """Every row of every table, keyed by primary key (or the whole row where none)."""
    snapshot = {}
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        for table in tables:
            if table not in existing:
                continue
            primary_key = connection.introspection.get_primary_key_columns(cursor, table)
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            columns = [column[0] for column in cursor.description]
            key = primary_key or columns
            snapshot[table] = {
                tuple(row[columns.index(k)] for k in key): dict(zip(columns, row, strict=True))
                for row in cursor.fetchall()
            }
    return snapshot


def _migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)


def _latest() -> list[tuple[str, str]]:
    return sorted(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_upgrading_from_the_last_release_keeps_every_row_of_every_table():
    try:
        _migrate(LAST_RELEASE)
        executor = MigrationExecutor(connection)
        release_apps = executor.loader.project_state(LAST_RELEASE).apps
        added = _fill_every_table(release_apps)
        tables = sorted(added)
        before = _rows(tables)

        _migrate(_latest())
        after = _rows(tables)
    finally:
        _migrate(_latest())

    assert all(len(before[table]) >= added[table] for table in tables), "rows were read back"
    assert len(tables) >= 40, "every app's tables, through-tables included"
    for table in tables:
        if table in INTENDED_CHANGES:
            continue
        assert table in after, f"{table} was dropped"
        assert before[table].keys() == after[table].keys(), f"rows of {table} lost or added"
        for key, old in before[table].items():
            new = after[table][key]
            for column, value in old.items():
                if f"{table}.{column}" in INTENDED_CHANGES:
                    continue
                assert column in new, f"{table}.{column} was dropped"
                assert new[column] == value, f"{table}.{column} of row {key} changed"


def test_the_last_release_names_every_app_that_has_migrations():
    """A new app must join LAST_RELEASE at its first migration (or its tables go unfilled)."""
    apps = {app for app, _ in MigrationLoader(None).graph.leaf_nodes()}

    assert apps == {app for app, _ in LAST_RELEASE} | NEW_APPS.keys()
