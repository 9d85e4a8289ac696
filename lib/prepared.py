"""Statements built and compiled once per process, then run with new values.

Building a queryset and compiling it to SQL costs about a millisecond of Python per
statement, whatever it returns (bench/README.md, "Editor speed"): more than running
it. A page that reads the same shapes on every load (the review editor reads about
twenty) pays that on every load. A `Prepared` statement is built once per process and
database from a function of its values, compiled once, and then run with the new
values put in the compiled statement's parameters: the rows, models, select_related
objects and annotations come out as the queryset's would, through Django's own
iterable. (django-prepared-queries did this for Django 1.x and is unmaintained.)

The function must build the same statement whatever its arguments are (it is called
once, with stand-ins): everything that varies is an argument, used only as a plain
value of the statement (as often as needed), and each an int (an id), or a str or a
datetime when annotated so (`severity: str`, `since: datetime`). An argument whose
stand-in is not found among the compiled parameters (used in Python rather than in
the statement) is refused when the statement is first built.
"""

import copy
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.sql.compiler import SQLCompiler

T = TypeVar("T")
# Stand-ins for the values while the statement is built: unlike any constant a statement
# holds, and within every column's range of the ids and numbers they stand for (Django
# answers a lookup out of its column's range without a statement, which leaves no
# parameter to find: such an argument is refused).
_STAND_IN = 2_146_000_000
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_STAND_IN_TEXT = "\ufffcstand-in "  # an object replacement character, then the number
_STAND_IN_MOMENT = datetime(2199, 12, 31, 23, 0, tzinfo=UTC)


@dataclass(frozen=True)
class _Compiled:
    queryset: QuerySet
    compiler: SQLCompiler
    sql: str
    params: tuple[Any, ...]
    # (argument, its positions in params, each with how a value is put there: as the
    # backend gave the stand-in, e.g. psycopg's Int4 naming an int column's size)
    slots: tuple[tuple[str, tuple[tuple[int, Callable[[Any], Any]], ...]], ...]


class Prepared(Generic[T]):
    """A statement of `build(**values)`'s shape, compiled once per database."""

    def __init__(self, build: Callable[..., "QuerySet[Any, T]"]) -> None:
        self._build = build
        parameters = inspect.signature(build).parameters.values()
        self._names = tuple(parameter.name for parameter in parameters)
        # Each argument's type: int unless annotated str or datetime.
        self._types = {
            parameter.name: _TYPES.get(parameter.annotation, int) for parameter in parameters
        }
        self._compiled: dict[str, _Compiled] = {}

    def __call__(self, *, using: str = DEFAULT_DB_ALIAS, **values: int | str | datetime) -> list[T]:
        """The statement's rows for these values, as the queryset would give them."""
        compiled = self._compiled.get(using) or self._compile(using)
        if values.keys() != set(self._names):
            raise TypeError(f"expected values for {', '.join(self._names)}")
        for name, value in values.items():
            wanted = self._types[name]
            if not isinstance(value, wanted) or isinstance(value, bool):
                raise TypeError(f"{name} must be {wanted.__name__}, not {type(value).__name__}")
            if isinstance(value, int) and not _INT_MIN <= value <= _INT_MAX:
                # Beyond a 32-bit column (a number from outside): built afresh, so that
                # Django answers as it would (no rows for a value out of a column's range).
                return list(self._build(**values).using(using))
        params = list(compiled.params)
        for name, positions in compiled.slots:
            value = values[name]
            for position, convert in positions:
                params[position] = convert(value)
        compiler = copy.copy(compiled.compiler)
        compiler.connection = connections[using]
        sql = compiled.sql
        compiler.as_sql = lambda *args, **kwargs: (sql, params)  # type: ignore[method-assign]
        run = compiled.queryset._chain()  # type: ignore[attr-defined]
        run.query.get_compiler = lambda *args, **kwargs: compiler
        return list(run)

    def _compile(self, using: str) -> _Compiled:
        ops = connections[using].ops
        stand_ins = {name: self._stand_in(n, name) for n, name in enumerate(self._names)}
        queryset = self._build(**stand_ins).using(using)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots = []
        for name, stand_in in stand_ins.items():
            convert = _converter(self._types[name], ops)
            wanted = convert(stand_in)
            found = tuple(
                (n, convert if type(p) is type(wanted) else _then(convert, type(p)))
                for n, p in enumerate(params)
                if isinstance(p, type(wanted)) and not isinstance(p, bool) and p == wanted
            )
            if not found:
                raise ImproperlyConfigured(
                    f"{self._build.__qualname__}: {name} is not a value of the statement"
                )
            slots.append((name, found))
        compiled = _Compiled(queryset, compiler, sql, tuple(params), tuple(slots))
        self._compiled[using] = compiled
        return compiled

    def _stand_in(self, n: int, name: str) -> object:
        kind = self._types[name]
        if kind is str:
            return f"{_STAND_IN_TEXT}{n}"
        if kind is datetime:
            return _STAND_IN_MOMENT + timedelta(seconds=n)
        return _STAND_IN + n


_TYPES: dict[object, type] = {str: str, "str": str, datetime: datetime, "datetime": datetime}


def _converter(kind: type, ops: Any) -> Callable[[Any], Any]:
    """A value as the backend passes it: a choice's plain value (TextChoices members
    are str too), a moment as the backend adapts it (SQLite: text in its zone)."""
    if kind is datetime:
        return ops.adapt_datetimefield_value
    return kind


def _then(convert: Callable[[Any], Any], kind: type) -> Callable[[Any], Any]:
    """`convert`, then the type the backend gave the value there (psycopg's Int4)."""
    return lambda value: kind(convert(value))


def attach(instance: Model, relation: str, rows: Iterable[Model]) -> None:
    """Keep `rows` as what `instance.<relation>.all()` returns, as prefetch_related
    keeps them (a queryset of the relation holding them, so that anything asked of it
    beyond its rows is still read correctly); rows of a reverse foreign key point back
    to `instance` without another statement."""
    rows = list(rows)
    manager = getattr(instance, relation)
    field = getattr(manager, "field", None)  # a reverse foreign key's field
    if field is not None:
        cache_name = field.remote_field.cache_name
        for row in rows:
            field.set_cached_value(row, instance)
    else:  # many-to-many
        cache_name = manager.prefetch_cache_name
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    cache.pop(cache_name, None)
    queryset = manager.get_queryset()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    cache[cache_name] = queryset
