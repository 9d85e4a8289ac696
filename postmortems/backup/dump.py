"""A full export of the instance as one JSON document, and its import into an empty one.

The document is `{"format": "postmortems-export", "version": 1, "exported_at": ...,
"data": [...]}`; `data` holds Django's "python" serialisation of every row of the
accounts and postmortems apps (and the permission groups people belong to), model by
model in dependency order, primary keys kept as they are, so incident numbers, UUID
codes and links survive. Users keep their password hashes (people sign in with their
old passwords after a restore); API token hashes, alert integration secrets, team
webhook URLs and calendar keys are included as stored. The file is a backup: protect it.

Left out because they are rebuilt from the rest: the search index (SearchEntry, the
SQLite FTS5 table and Postmortem.search_text: rebuilt on import), the dashboard's
HealthRollup (recomputed hourly), the BeatHeartbeat row (written by beat), and
django-axes' failed sign-in attempts (not part of the data). Single sign-on's links
(allauth's SocialAccount rows, another app) are left out too: the next sign-in links
each person again by their verified email address (accounts/sso/services.py).
"""

import datetime as dt
import json
from collections.abc import Iterable
from io import TextIOBase
from typing import IO, Any

from django.apps import apps
from django.contrib.auth.models import Group
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from accounts.models import User
from lib.moments import OUT_OF_RANGE, day_in_range
from postmortems.insights.models import HealthRollup
from postmortems.models.incidents import Incident
from postmortems.models.search_entries import SearchEntry
from postmortems.notifications.models import BeatHeartbeat
from postmortems.services.search_index import rebuild_index

FORMAT = "postmortems-export"
VERSION = 1

EXCLUDED_MODELS = (SearchEntry, HealthRollup, BeatHeartbeat)
# Fields derived from other rows and rebuilt on import, per model label.
DERIVED_FIELDS = {"postmortems.postmortem": ("search_text",)}
# Serialised with natural keys for their references to permissions and groups:
# permission ids depend on the order migrations ran, their (codename, app, model) does not.
NATURAL_KEY_MODELS = (Group, User)


class BackupError(Exception):
    """A file that cannot be imported; `exit_code` tells the command's exit status."""

    def __init__(self, message: str, *, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class _Encoder(DjangoJSONEncoder):
    # DjangoJSONEncoder cuts microseconds to milliseconds, as ECMAScript does; a
    # backup keeps them, so times (and the order of equal-looking times) survive.
    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


def exported_models() -> list[type[models.Model]]:
    """Every exported model, each after the models its foreign keys and many-to-many
    fields point to, so rows load in order (the foreign keys are checked before commit)."""
    candidates: list[type[models.Model]] = [Group]
    for label in ("accounts", "postmortems"):
        candidates += [
            model
            for model in apps.get_app_config(label).get_models()
            if model not in EXCLUDED_MODELS
        ]
    remaining = {model: _dependencies(model, candidates) for model in candidates}
    ordered: list[type[models.Model]] = []
    while remaining:
        ready = [model for model, deps in remaining.items() if deps <= set(ordered)]
        if not ready:
            raise RuntimeError(f"Circular references between {sorted(map(str, remaining))}")
        for model in ready:
            ordered.append(model)
            del remaining[model]
    return ordered


def _dependencies(model: type[models.Model], candidates: Iterable) -> set:
    related = {
        field.related_model
        for field in model._meta.get_fields(include_hidden=False)
        if field.concrete and (field.many_to_one or field.one_to_one or field.many_to_many)
    }
    return {target for target in related if target in candidates and target is not model}


def export_document() -> dict[str, Any]:
    data: list[dict[str, Any]] = []
    for model in exported_models():
        # _base_manager reads every row: for Incident that is `all_objects`, so
        # soft-deleted incidents (still restorable) are exported too.
        rows = serializers.serialize(
            "python",
            model._base_manager.order_by("pk").iterator(),
            use_natural_foreign_keys=model in NATURAL_KEY_MODELS,
        )
        for row in rows:
            for name in DERIVED_FIELDS.get(row["model"], ()):
                row["fields"].pop(name, None)
        data += rows
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now(),
        "data": data,
    }


def export_json(stream: IO[str] | TextIOBase) -> None:  # a file, or a command's stdout
    json.dump(export_document(), stream, cls=_Encoder, indent=1, ensure_ascii=False)
    stream.write("\n")


def read_document(stream: IO[str]) -> list[dict[str, Any]]:
    """The rows of an export file; BackupError (exit 2) for anything else."""
    try:
        document = json.load(stream)
    except (ValueError, UnicodeDecodeError) as error:
        raise BackupError(f"Not a JSON file: {error}", exit_code=2) from error
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BackupError(f"Not a {FORMAT} file.", exit_code=2)
    if document.get("version") != VERSION:
        raise BackupError(
            f"Unsupported export version {document.get('version')!r}; "
            f"this version reads version {VERSION}.",
            exit_code=2,
        )
    if not isinstance(document.get("data"), list):
        raise BackupError("The file has no data list.", exit_code=2)
    return document["data"]


def _check_dates(row: models.Model) -> None:
    """Refuse dates no time zone can show everywhere (lib/moments.py): a file
    edited by hand, or written by another tool, must not break pages after a restore."""
    for field in row._meta.concrete_fields:
        value = getattr(row, field.attname)
        if isinstance(field, models.DateField) and value is not None and not day_in_range(value):
            raise BackupError(
                f"{row._meta.label} {row.pk}: {field.name} is {value}. {OUT_OF_RANGE}",
                exit_code=2,
            )


def import_rows(rows: list[dict[str, Any]]) -> int:
    """Load an export into an empty instance in one transaction; returns the row count.

    1. Refuse (exit 1) if there are users or incidents: an import does not merge.
    2. Save every row as it was (raw: no defaults, no `now`), checking foreign keys
       before the commit rather than at it.
    3. Move the PostgreSQL sequences past the imported ids, so new rows get new ids.
    4. Rebuild the search index, so the archive finds the imported reviews at once.
    """
    if User.objects.exists() or Incident.all_objects.exists():
        raise BackupError(
            "The database is not empty (it has users or incidents); "
            "import into a freshly migrated database.",
            exit_code=1,
        )
    loaded: set[type[models.Model]] = set()
    try:
        with transaction.atomic():
            for item in serializers.deserialize("python", rows, handle_forward_references=False):
                _check_dates(item.object)
                item.save()
                loaded.add(type(item.object))
            connection.check_constraints(table_names=[m._meta.db_table for m in loaded])
            with connection.cursor() as cursor:
                for statement in connection.ops.sequence_reset_sql(no_style(), list(loaded)):
                    cursor.execute(statement)
            rebuild_index()
    except (serializers.base.DeserializationError, IntegrityError) as error:
        raise BackupError(f"The file does not match this database: {error}", exit_code=2) from error
    return len(rows)
