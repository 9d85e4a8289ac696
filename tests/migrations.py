"""Moving the test database along the migration graph, for the tests of one migration:
migrate back to the state before it, fill rows through that state's models, migrate
forward, check, and always end at the latest state again."""

from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate_to(targets: list[tuple[str, str]]) -> Apps:
    """Migrate to `targets` ([(app, migration)]); returns the models as they were then."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def migrate_to_latest() -> Apps:
    """Migrate every app to its newest migration (what a test leaves behind)."""
    return migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())
