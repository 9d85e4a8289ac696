"""Alert events: what an alert did to an incident, written once per delivery and
copied into the postmortem's timeline (at once when it exists, else when it is started)."""

from datetime import UTC, datetime

from django.utils import timezone

from postmortems.alerting.models import AlertDelivery, AlertEvent
from postmortems.alerting.payloads import AlertSignal
from postmortems.models.incidents import Incident
from postmortems.models.reviews import Postmortem, TimelineEvent
from postmortems.services.locks import postmortem_lock
from postmortems.services.search_index import index_postmortem

Kind = TimelineEvent.Kind

# A delivery changing more alerts of a group than this also gets one summary event.
SUMMARY_FROM = 10


def clock(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%H:%M} UTC"


def _markdown_text(text: str) -> str:
    """Alert names come from outside: keep them from turning into Markdown."""
    for char in "\\`*_[]<>#|~":
        text = text.replace(char, f"\\{char}")
    return text


class AlertEvents:
    """The alert events of one group in one delivery, written in one statement."""

    def __init__(self, delivery: AlertDelivery) -> None:
        self.delivery = delivery
        self.pending: list[AlertEvent] = []

    def add(self, incident: Incident, signal: AlertSignal, *, at, kind, text) -> None:
        self.pending.append(
            AlertEvent(
                incident=incident,
                delivery=self.delivery,
                occurred_at=max(at, incident.started_at),
                kind=kind,
                text=f"Alert {_markdown_text(signal.name)} {text}",
                source_url=signal.source_url,
            )
        )

    def save(self, incident: Incident) -> None:
        events = [e for e in self.pending if e.incident_id == incident.pk]
        if not events:
            return
        if len(events) > SUMMARY_FROM:
            counts: dict[str, int] = {}
            for event in events:
                counts[event.kind] = counts.get(event.kind, 0) + 1
            what = ", ".join(
                f"{count} {Kind(kind).label.lower()}" for kind, count in sorted(counts.items())
            )
            events.insert(
                0,
                AlertEvent(
                    incident=incident,
                    delivery=self.delivery,
                    occurred_at=min(e.occurred_at for e in events),
                    kind=Kind.OTHER,
                    text=f"{len(events)} alerts of the group changed in one delivery ({what})",
                ),
            )
        AlertEvent.objects.bulk_create(events)
        pk = Postmortem.objects.filter(incident=incident).values_list("pk", flat=True).first()
        if pk is not None:
            postmortem = postmortem_lock(postmortem_id=pk)
            copy_to_timeline(postmortem, events)
            index_postmortem(pk)


def copy_to_timeline(postmortem: Postmortem, events: list[AlertEvent]) -> None:
    now = timezone.now()
    copies = TimelineEvent.objects.bulk_create(
        [
            TimelineEvent(
                postmortem=postmortem,
                occurred_at=event.occurred_at,
                kind=event.kind,
                text=event.text,
                source_url=event.source_url,
                created_at=now,
            )
            for event in events
        ]
    )
    for event, copy in zip(events, copies, strict=True):
        event.timeline_event = copy
    AlertEvent.objects.bulk_update(events, ["timeline_event"])


def alert_events_to_timeline(*, postmortem: Postmortem) -> int:
    """Copy the incident's alert events not yet in the timeline (called when the
    postmortem is started). The caller reindexes the postmortem for search."""
    events = list(
        AlertEvent.objects.filter(incident_id=postmortem.incident_id, timeline_event__isnull=True)
    )
    copy_to_timeline(postmortem, events)
    return len(events)
