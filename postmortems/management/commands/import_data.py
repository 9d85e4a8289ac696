"""Restore an export into an empty, migrated database: `manage.py import_data FILE`.

Exit status: 0 when imported, 1 when the database already has users or incidents,
2 for a file that is not a readable export of a supported version.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from postmortems.backup.dump import BackupError, import_rows, read_document


class Command(BaseCommand):
    help = "Load a JSON export (from export_data) into an empty database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the export file")

    def handle(self, *args, file: str, **options) -> None:
        try:
            with open(file, encoding="utf-8") as stream:
                rows = read_document(stream)
            count = import_rows(rows)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error}", returncode=2) from error
        except BackupError as error:
            raise CommandError(str(error), returncode=error.exit_code) from error
        self.stdout.write(f"Imported {count} rows from {file}; search index rebuilt.")
