from postmortems.models.action_changes import ActionItemChange
from postmortems.models.actions import ActionItem
from postmortems.models.catalog import Service, Tag
from postmortems.models.comments import ReviewComment
from postmortems.models.incidents import Incident, Severity
from postmortems.models.outbox import OutboundEmail
from postmortems.models.pulse import PulseAnswer, PulseParticipant
from postmortems.models.reviews import Postmortem, TimelineEvent
from postmortems.models.search_entries import SearchEntry
from postmortems.models.subscriptions import Subscription

__all__ = [
    "ActionItem",
    "ActionItemChange",
    "Incident",
    "OutboundEmail",
    "Postmortem",
    "PulseAnswer",
    "PulseParticipant",
    "ReviewComment",
    "SearchEntry",
    "Service",
    "Severity",
    "Subscription",
    "Tag",
    "TimelineEvent",
]
