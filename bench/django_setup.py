"""Set up Django for a benchmark against its own database.

PostgreSQL (the default): BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/postmortems_bench) names the database; it is
created and migrated if missing.
SQLite: BENCH_SQLITE_PATH (default data/bench/bench.sqlite3 under the project) names
a file database, created and migrated if missing.
Benchmarks never touch the development or test databases.
"""

import os
from pathlib import Path
from urllib.parse import urlparse

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/postmortems_bench"
DEFAULT_SQLITE_PATH = Path(__file__).resolve().parent.parent / "data" / "bench" / "bench.sqlite3"


def setup(database: str = "postgres") -> str:
    """Point Django at the benchmark database ("postgres" or "sqlite"), migrate, return it."""
    if database == "postgres":
        url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
        _create_database(url)
    elif database == "sqlite":
        path = Path(os.environ.get("BENCH_SQLITE_PATH", DEFAULT_SQLITE_PATH)).resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{path}"
    else:
        raise ValueError(f"Unknown benchmark database {database!r}: postgres or sqlite.")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-a-secret")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    # Every benchmark requests its pages with django.test.Client, which talks to
    # "testserver".
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # The app as gunicorn loads it: the URL conf imported, then the garbage collector
    # told to leave what is loaded alone (config/wsgi.py), so timings see the same pauses.
    import config.wsgi  # noqa: F401

    return url


def _create_database(url: str) -> None:
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
        # SSD/RAM-resident storage, as docker-compose.yml configures the server.
        connection.execute(f'ALTER DATABASE "{name}" SET random_page_cost = 1.1')
