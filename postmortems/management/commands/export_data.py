"""Export every row as one JSON document: `manage.py export_data [--output FILE]`.

See postmortems/backup/dump.py for what is in the file (password hashes and secrets too:
protect it) and what is left out because it is rebuilt.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from postmortems.backup.dump import export_json


class Command(BaseCommand):
    help = "Write a full JSON export of the data to FILE (default: standard output)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", help="file to write; default standard output")

    def handle(self, *args, output: str | None, **options) -> None:
        if output is None:
            export_json(self.stdout)
            return
        # Written under a temporary name first, so a failed export never leaves a
        # truncated file where the last good backup was.
        target = Path(output)
        partial = target.with_name(target.name + ".partial")
        with partial.open("w", encoding="utf-8") as stream:
            export_json(stream)
        partial.replace(target)
        self.stderr.write(f"Exported to {target}.")
