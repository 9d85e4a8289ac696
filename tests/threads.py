"""Writers at the same moment, each in its own thread and so on its own database
connection: what the PostgreSQL concurrency tests run their clients with."""

import threading
from collections.abc import Callable, Sequence

from django.db import connection


def run_together(
    writers: Sequence[Callable[[threading.Barrier], object]], *, timeout: float = 120
) -> list[BaseException]:
    """Run every writer in a thread of its own, each handed one barrier to wait on where
    it wants the others to catch up; wait for all of them. Returns what they raised
    (reported by the test, not lost in a thread); a writer that fails breaks the
    barrier, so the others do not wait for it."""
    barrier = threading.Barrier(len(writers))
    crashed: list[BaseException] = []

    def run(writer: Callable[[threading.Barrier], object]) -> None:
        try:
            writer(barrier)
        except BaseException as error:
            crashed.append(error)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(writer,)) for writer in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a writer hung"
    return crashed


def start_together(writers: Sequence[Callable[[], object]]) -> list[BaseException]:
    """As run_together, every writer starting once all threads are ready."""

    def at_once(writer: Callable[[], object]) -> Callable[[threading.Barrier], object]:
        def run(barrier: threading.Barrier) -> object:
            barrier.wait(timeout=30)
            return writer()

        return run

    return run_together([at_once(writer) for writer in writers])
