import datetime as dt

from accounts.models import User
from postmortems.models.reviews import Postmortem


def entry_anchor(*, postmortem: Postmortem, user: User) -> dt.datetime:
    """The moment a quick entry is read after: the event this writer added last, else the
    latest event, else the incident's start. Reads `postmortem.timeline_events.all()`,
    so a prefetched list costs no query."""
    events = list(postmortem.timeline_events.all())
    mine = [event for event in events if event.created_by_id == user.pk]
    if mine:
        return max(
            mine, key=lambda event: (event.created_at, event.occurred_at, event.pk)
        ).occurred_at
    if events:
        return max(event.occurred_at for event in events)
    return postmortem.incident.started_at
