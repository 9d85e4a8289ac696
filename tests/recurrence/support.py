"""Earlier reviewed incidents and the later incidents that may repeat them."""

import datetime as dt

from postmortems.services.incidents import incident_create
from postmortems.services.search_index import index_postmortem
from tests.factories import BASE_TIME, ActionItemFactory, FiringFactory, review


def earlier_review(
    *, team, services=(), tags=(), rules=(), days_before=30, status="published", **extra
):
    """A reviewed incident that started `days_before` days before BASE_TIME, with
    firings of `rules` tied to it."""
    started = BASE_TIME - dt.timedelta(days=days_before)
    postmortem = review(
        team=team, services=services, tags=tags, started_at=started, published=True, **extra
    )
    if status != "published":
        postmortem.status = status
        postmortem.published_at = None if status == "draft" else postmortem.published_at
        postmortem.save()
    index_postmortem(postmortem.pk)  # the archive reads its search entry
    for rule in rules:
        FiringFactory(rule=rule, incident=postmortem.incident, fired_at=started)
    return postmortem


def open_incident(*, team, services=(), title="Checkout is slow again", by=None, **fields):
    """An incident opened through the one service that opens them, at BASE_TIME."""
    fields.setdefault("started_at", BASE_TIME)
    return incident_create(by=by, title=title, team=team, services=list(services), **fields)


def item(postmortem, **fields):
    return ActionItemFactory(postmortem=postmortem, **fields)
