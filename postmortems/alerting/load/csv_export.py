"""The monthly on-call summary per person, as CSV: for pay and time off in lieu.

One row per person who was on call or paged in the month. "suggested time off in lieu
(h)" is the out-of-hours hours worked rounded up to the next half hour
(metrics.PersonLoad.time_off_in_lieu)."""

import csv
import io
from datetime import date

from lib.csv_cells import cell
from postmortems.alerting.load.metrics import TeamLoad

HEADER = [
    "month", "person", "email", "primary shifts", "secondary shifts", "on-call hours",
    "pages", "out-of-hours pages", "nights interrupted", "out-of-hours hours worked",
    "suggested time off in lieu (h)",
]  # fmt: skip


def load_csv(load: TeamLoad, *, month: date) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for person in load.attributed:
        writer.writerow(
            (
                month.strftime("%Y-%m"), cell(person.name), cell(person.email),
                person.primary_shifts, person.secondary_shifts, f"{person.on_call_hours:.1f}",
                person.pages, person.out_of_hours_pages, person.nights_interrupted,
                f"{person.worked_hours:.2f}", f"{person.time_off_in_lieu:.1f}",
            )
        )  # fmt: skip
    return buffer.getvalue()
