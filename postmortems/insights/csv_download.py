"""The dashboard's action item list as CSV (insights/views.py streams it).

An export may hold every item of every team: 500,000 rows at the benchmark's size.
As model instances each row was costly (building three models, a reverse() for its
link, a time zone lookup per date), so that export took longer than a gunicorn
worker may take to answer. Here each row is a tuple of its columns, the
labels and the link pattern are looked up once, and rows are written in batches
(bench/README.md, "The CSV export of every item", has the numbers).
"""

import csv
import io
from collections.abc import Iterator
from datetime import date, tzinfo

from django.db.models import QuerySet

from lib.csv_cells import cell
from postmortems.insights.item_rows import link_pattern
from postmortems.models.actions import ActionItem, days_overdue
from postmortems.models.incidents import incident_reference

HEADER = [
    "item", "title", "status", "commitment", "priority", "type", "owner", "owner email",
    "due date", "days overdue", "verification", "verification plan", "verify on",
    "outcome", "tracker issue", "tracker link", "incident",
    "incident title", "team", "severity", "created", "completed", "link",
]  # fmt: skip
COLUMNS = (
    "code", "title", "status", "priority", "type", "owner__display_name", "owner__email",
    "due_date", "verification", "verification_plan", "verify_on", "outcome",
    "tracker_issue__key", "tracker_issue__url", "postmortem__incident__number",
    "postmortem__incident__title", "postmortem__incident__team__name",
    "postmortem__incident__severity", "created_at", "completed_at",
)  # fmt: skip
BATCH = 500  # rows per chunk of the response
TIME = "%Y-%m-%d %H:%M"


def csv_chunks(items: QuerySet[ActionItem], *, today: date, tz: tzinfo, base: str) -> Iterator[str]:
    """HEADER, then one row per item of `items` (in their order), in chunks of BATCH
    rows. `today` and `tz` are the viewer's; `base` is the site's origin for links."""
    status = dict(ActionItem.Status.choices)
    priority = dict(ActionItem.Priority.choices)
    kind = dict(ActionItem.Type.choices)
    check = dict(ActionItem.Verification.choices)
    outcomes = dict(ActionItem.Outcome.choices)
    head, tail = link_pattern("detail").split("{number}")
    link = base + head
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    rows = items.values_list(*COLUMNS).iterator(chunk_size=2000)
    for n, row in enumerate(rows, start=1):
        (code, title, state, prio, typ, owner, email, due, verification, plan, verify_on,
         outcome, issue_key, issue_url, number, incident_title, team, severity, created,
         completed) = row  # fmt: skip
        code = str(code)
        overdue = days_overdue(state, due, today) or ""
        writer.writerow(
            (
                code, cell(title), status.get(state, state),
                "idea" if state == ActionItem.Status.IDEA else "committed",
                priority.get(prio, prio), kind.get(typ, typ), cell(owner), cell(email),
                due or "", overdue, check.get(verification, verification), cell(plan),
                verify_on or "", outcomes.get(outcome, outcome), cell(issue_key or ""),
                cell(issue_url or ""),
                incident_reference(number), cell(incident_title), cell(team), cell(severity),
                created.astimezone(tz).strftime(TIME),
                completed.astimezone(tz).strftime(TIME) if completed else "",
                f"{link}{number}{tail}#item-{code}",
            )
        )  # fmt: skip
        if n % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
