"""The configuration page (docs/configuration.md) lists every environment variable the
settings read, and nothing else."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENV_HELPERS = {"env_str", "env_bool", "env_int", "env_float", "env_list", "env_choice"}
ENV_HELPERS |= {"env_timezone", "env_parsed"}


def _variables_read_by_settings() -> set[str]:
    tree = ast.parse((ROOT / "config" / "settings.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        first = node.args[0]
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            continue
        called = ast.unparse(node.func)
        if called in ENV_HELPERS or called == "os.environ.get":
            names.add(first.value)
    return names


def _variables_in_the_readme_table() -> set[str]:
    section = (ROOT / "docs" / "configuration.md").read_text()
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def test_the_settings_read_the_variables_this_test_expects():
    # Guards the parser: a few variables read in different ways.
    assert {"SECRET_KEY", "DATABASE_URL", "DB_CONN_MAX_AGE", "ENV_FILE"} <= (
        _variables_read_by_settings()
    )


def test_every_variable_the_settings_read_has_a_row_in_the_readme():
    missing = _variables_read_by_settings() - _variables_in_the_readme_table()
    assert not missing, f"add these to docs/configuration.md's table: {sorted(missing)}"


def test_the_readme_table_lists_no_variable_the_settings_do_not_read():
    # WEB_CONCURRENCY is read by gunicorn itself.
    extra = _variables_in_the_readme_table() - _variables_read_by_settings() - {"WEB_CONCURRENCY"}
    assert not extra, f"docs/configuration.md documents variables nothing reads: {sorted(extra)}"
