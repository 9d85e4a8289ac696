"""`celery ...` with its clock moved to the test process's: `python -m` this module with
TEST_CLOCK_AT (seconds since the epoch, the test's time.time()) and celery's arguments.

The test process may run on a faked clock (faketime, which works by LD_PRELOAD: the
weekend pass of .ci/run). Its worker and beat do not: libfaketime fakes the monotonic
clock too, so in a Python process under it every wait on a lock with a timeout
(Event.wait, Condition.wait, Lock.acquire) is given a deadline that the kernel takes
for one decades away, and never times out. celery_env() leaves libfaketime's variables
out, and this module moves the worker's or beat's wall clock (time.time, datetime.now)
to the test's instant with time-machine instead, which leaves the monotonic clock and
timed waits alone. The clock ticks on from there, so the worker sweeps at the instant
the test set its rows up for (weekend or not), and beat and every worker of a test
agree on what is due and what has expired.

The process also ends when the test process that started it is gone (killed, or
crashed before it could stop it): a worker or beat left behind would go on taking
work from the broker and writing to the test database, under another test.
"""

import os
import sys
import threading
import time

import time_machine


def end_with_parent(parent: int) -> None:
    """Exit at once when this process's parent is no longer `parent`."""
    while os.getppid() == parent:
        time.sleep(0.5)  # relative: not moved by time-machine
    os._exit(3)


if __name__ == "__main__":
    threading.Thread(target=end_with_parent, args=(os.getppid(),), daemon=True).start()
    time_machine.travel(float(os.environ.pop("TEST_CLOCK_AT")), tick=True).start()
    time.time()  # the clock ticks from its first reading: from now, not from Django's
    sys.argv[0] = "celery"
    from celery.__main__ import main

    main()
