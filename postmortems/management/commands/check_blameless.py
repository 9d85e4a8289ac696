"""Check Markdown for blameless language: `manage.py check_blameless [FILE|-] [--json]`.

Exit status: 0 when the text is clean, 1 when there are findings, 2 on bad input
(a missing or unreadable file, bytes that are not UTF-8).
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from postmortems.blameless.checker import Finding, check


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


class Command(BaseCommand):
    help = "Check Markdown for blame, hindsight and judgement; exit 1 when something is found."
    requires_system_checks = []  # a text filter: no database, no models needed

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", default="-", help="Markdown file, or - for stdin")
        parser.add_argument("--json", action="store_true", help="print findings as JSON")

    def handle(self, *args, file: str, json: bool, **options) -> None:
        text = self._read(file)
        findings = check(text)
        if json:
            self.stdout.write(_as_json(findings))
        else:
            for finding in findings:
                self.stdout.write(self._describe(text, finding, file))
            if not findings:
                self.stdout.write("No blameless-language findings.")
        if findings:
            sys.exit(1)

    def _read(self, file: str) -> str:
        try:
            if file == "-":
                data = sys.stdin.buffer.read()
            else:
                with open(file, "rb") as source:
                    data = source.read()
            return data.decode("utf-8")
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}", returncode=2) from None
        except UnicodeDecodeError as error:
            raise CommandError(
                f"{file} is not UTF-8 text (byte {error.start})", returncode=2
            ) from None

    def _describe(self, text: str, finding: Finding, file: str) -> str:
        line, column = line_and_column(text, finding.start)
        name = "<stdin>" if file == "-" else file
        return (
            f"{name}:{line}:{column}: {finding.category}: “{finding.excerpt(text)}”: "
            f"{finding.message} Suggestion: {finding.suggestion}"
        )


def _as_json(findings: list[Finding]) -> str:
    fields = ("start", "end", "category", "message", "suggestion")
    return json.dumps([{f: getattr(finding, f) for f in fields} for finding in findings])
