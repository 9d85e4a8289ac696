"""manage.py check_blameless: findings, exit status, JSON output."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[3]


def run(*args):
    """(exit status, stdout) of the command, as a shell would see it."""
    from io import StringIO

    out = StringIO()
    try:
        call_command("check_blameless", *args, stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def test_a_clean_file_exits_0(tmp_path):
    path = tmp_path / "clean.md"
    path.write_text("The deploy raised the error rate.\n\nAlice paged Bob at 10:04.\n")
    assert run(str(path)) == (0, "No blameless-language findings.\n")


def test_findings_are_listed_with_line_and_column_and_exit_1(tmp_path):
    path = tmp_path / "review.md"
    path.write_text("## Summary\n\nThe config was not checked.\nBob should have checked it.\n")
    status, out = run(str(path))
    assert status == 1
    assert out.startswith(
        f"{path}:4:5: counterfactual: “should have checked”: Says what someone should have done"
    )
    assert "Suggestion: Say what people knew" in out


def test_json_lists_offsets_into_the_input(tmp_path):
    text = "Intro.\n\nThe root cause was a missing index. Human error did the rest."
    path = tmp_path / "review.md"
    path.write_text(text)
    status, out = run(str(path), "--json")
    findings = json.loads(out)
    assert status == 1
    assert [text[f["start"] : f["end"]] for f in findings] == ["root cause", "Human error"]
    assert set(findings[0]) == {"start", "end", "category", "message", "suggestion"}
    assert [f["category"] for f in findings] == ["root_cause", "human_error"]


def test_a_missing_file_is_bad_input_with_status_2(tmp_path):
    with pytest.raises(CommandError, match="Cannot read") as raised:
        call_command("check_blameless", str(tmp_path / "nope.md"))
    assert raised.value.returncode == 2


def test_bytes_that_are_not_utf8_are_bad_input_with_status_2(tmp_path):
    path = tmp_path / "latin1.md"
    path.write_bytes("Bob\u2019s fault".encode("cp1252"))
    with pytest.raises(CommandError, match="not UTF-8") as raised:
        call_command("check_blameless", str(path))
    assert raised.value.returncode == 2


def test_stdin_and_the_real_exit_statuses_of_the_process(tmp_path):
    def manage(*args, stdin: bytes) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", "check_blameless", *args],
            input=stdin,
            capture_output=True,
            cwd=ROOT,
            check=False,
        )

    found = manage("-", "--json", stdin=b"Bob broke prod.")
    assert found.returncode == 1
    assert json.loads(found.stdout)[0]["category"] == "blame"
    assert manage(stdin=b"Alice paged Bob.").returncode == 0
    assert manage(stdin=b"\xff\xfe broken").returncode == 2
