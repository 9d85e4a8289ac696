"""The parts of the code depend on each other in one direction: the graph drawn in the
README. This reads that graph and every import of every module (also those inside
functions and under TYPE_CHECKING) and fails on an import the graph does not allow, and
on a graph with a cycle. Tests are outside the parts: they may import anything."""

import ast
import re
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["lib", "audit", "accounts", "postmortems", "config"]

# Which part a module belongs to: the longest prefix listed wins.
PARTS = {
    "lib": "lib",
    "audit": "audit",
    "accounts": "accounts",
    "config": "config",
    "postmortems": "core",
    "postmortems.archive": "archive",
    "postmortems.notifications": "notifications",
    "postmortems.insights": "insights",
    "postmortems.alerting": "alerting",
    "postmortems.trackers": "trackers",
    "postmortems.api": "api",
    "postmortems.backup": "backup",
    "postmortems.demo": "demo",
    "postmortems.recurrence": "recurrence",
    "postmortems.presence": "presence",
    # The app's own wiring: Django looks for these by name in the app's package.
    "postmortems.admin": "app",
    "postmortems.apps": "app",
    "postmortems.urls": "app",
    "postmortems.templatetags": "app",
    "postmortems.management": "app",
}
# postmortems/models/__init__.py is the registry through which Django finds every
# model of the app (the parts' too): importing it means importing every part.
REGISTRY = "postmortems.models"

# Who raises an event or owns a page wired in settings (EVENT_HANDLERS, PAGE_EXTRAS).
RAISED_BY = {
    "review-started": "core",
    "incident-opened": "core",
    "incident-signals-changed": "core",
    "archive-hits": "archive",
    "archive-recurred": "archive",
    "action-item-status-changed": "core",
    "action-item": "core",
    "review-first-published": "core",
    "review-out-of-draft": "core",
    "incident": "core",
    "review-edit": "core",
    "review-read": "core",
    "profile": "accounts",
    "lead-digest": "notifications",
}


def part_of(module: str) -> str | None:
    if module == REGISTRY:
        return "app"
    parts = module.split(".")
    for length in range(len(parts), 0, -1):
        found = PARTS.get(".".join(parts[:length]))
        if found:
            return found
    return None


@cache
def graph() -> dict[str, set[str]]:
    """The README's graph: `part -> part, part  comment` lines in its text block."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## How the code is laid out", 1)[1].split("```text", 1)[1]
    block = block.split("```", 1)[0]
    edges: dict[str, set[str]] = {}
    for line in block.strip().splitlines():
        match = re.match(r"(\w+)\s+->\s+(\w+(?:,\s*\w+)*)", line)
        assert match, f"not a graph line: {line!r}"
        edges[match[1]] = {name.strip() for name in match[2].split(",")}
    return edges


def allowed(part: str) -> set[str]:
    """What `part` may import: what it points to, and what those may, transitively."""
    seen: set[str] = set()
    todo = list(graph().get(part, ()))
    while todo:
        target = todo.pop()
        if target not in seen:
            seen.add(target)
            todo.extend(graph().get(target, ()))
    return seen


def modules() -> list[tuple[str, Path]]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).with_suffix("")
            if "migrations" in relative.parts:
                continue  # frozen history: they name models by label, not by import
            name = ".".join(relative.parts).removesuffix(".__init__")
            found.append((name, path))
    return found


def imports_of(module: str, path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from postmortems.x import y` may import the module postmortems.x.y
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
            found.append((node.lineno, base))
    return found


def target_part(name: str) -> str | None:
    """The part of an imported name: the module if it is one, else its parent."""
    if name == REGISTRY or (name.startswith(REGISTRY + ".") and name.count(".") == 2):
        # postmortems.models.Incident goes through the registry; a module such as
        # postmortems.models.incidents is the core's own.
        last = name.rsplit(".", 1)[1]
        if name == REGISTRY or last[:1].isupper() or last.isupper():
            return "app"
    return part_of(name)


def violations() -> list[str]:
    found = []
    for module, path in modules():
        source = part_of(module)
        assert source is not None, f"{module} belongs to no part: add it to PARTS"
        for line, name in imports_of(module, path):
            target = target_part(name)
            if target is None or target == source:
                continue
            if target not in allowed(source):
                where = path.relative_to(ROOT)
                found.append(f"{where}:{line}: {source} imports {name} ({target})")
    return sorted(set(found))


def test_the_drawn_graph_has_no_cycle():
    for part in graph():
        assert part not in allowed(part), f"{part} depends on itself through {allowed(part)}"


def test_every_part_is_in_the_drawn_graph():
    drawn = set(graph()) | {target for targets in graph().values() for target in targets}
    assert set(PARTS.values()) <= drawn
    assert drawn <= set(PARTS.values()), "a part in the README that the code does not have"


def test_no_import_goes_against_the_drawn_direction():
    assert violations() == []


def test_the_check_sees_imports_inside_functions_and_catches_one_going_up(tmp_path):
    """The check can fail: an import of a higher part inside a function of a lower one."""
    path = tmp_path / "lower.py"
    path.write_text("def later():\n    from postmortems.insights.dashboard import lead_dashboard\n")
    names = [name for _line, name in imports_of("postmortems.services.fake", path)]
    assert "postmortems.insights.dashboard" in names
    assert "insights" not in allowed(part_of("postmortems.services.fake") or "")
    assert target_part("postmortems.models") == "app"
    assert target_part("postmortems.models.Incident") == "app"
    assert target_part("postmortems.models.incidents") == "core"


def test_outbox_deliverers_are_above_the_outbox():
    """A channel's deliverer may use the outbox (notifications), not the reverse."""
    for dotted in settings.OUTBOX_DELIVERERS.values():
        answerer = part_of(dotted)
        assert answerer != "notifications"
        assert "notifications" in allowed(answerer or "")


@pytest.mark.parametrize("setting", ["EVENT_HANDLERS", "PAGE_EXTRAS"])
def test_the_wiring_in_settings_points_up(setting):
    """A lower part's event or page is answered by parts that may depend on it, never
    by one below it (which could import it directly instead)."""
    for name, paths in getattr(settings, setting).items():
        raiser = RAISED_BY[name]
        for dotted in paths:
            answerer = part_of(dotted)
            assert answerer != raiser, f"{dotted}: call it directly instead"
            assert raiser in allowed(answerer or ""), f"{dotted} ({answerer}) may not use {raiser}"


def test_an_event_calls_its_handlers_in_order_and_a_page_merges_its_extras(settings):
    from lib.extensions import handle_event, page_extras

    calls.clear()
    assert page_extras("page", n=2) == {}  # read (and remembered) before the override
    settings.EVENT_HANDLERS = {"thing-done": [f"{__name__}._first", f"{__name__}._second"]}
    settings.PAGE_EXTRAS = {"page": [f"{__name__}._extra_a", f"{__name__}._extra_b"]}

    handle_event("thing-done", what="x")
    handle_event("nothing-listens")

    assert calls == [("first", "x"), ("second", "x")]
    assert page_extras("page", n=2) == {"a": 2, "b": 4, "shared": "b"}
    assert page_extras("no-such-page") == {}


calls: list[tuple[str, str]] = []


def _first(*, what: str) -> None:
    calls.append(("first", what))


def _second(*, what: str) -> None:
    calls.append(("second", what))


def _extra_a(*, n: int) -> dict:
    return {"a": n, "shared": "a"}


def _extra_b(*, n: int) -> dict:
    return {"b": n * 2, "shared": "b"}
