from postmortems.models.action_changes import ActionItemChange
from postmortems.models.actions import ActionItem
from postmortems.models.alerts import (
    AlertDelivery,
    AlertEvent,
    AlertGroup,
    AlertIntegration,
    AlertLink,
)
from postmortems.models.api_tokens import ApiToken
from postmortems.models.audit import AuditEvent
from postmortems.models.catalog import Service, Tag
from postmortems.models.comments import ReviewComment
from postmortems.models.dismissals import BlamelessDismissal
from postmortems.models.health import HealthRollup
from postmortems.models.heartbeat import BeatHeartbeat
from postmortems.models.idempotency import ApiIdempotencyKey
from postmortems.models.incidents import RESTORE_DAYS, Incident, Severity, not_deleted
from postmortems.models.notifications import CalendarKey, TeamWebhook
from postmortems.models.outbox import OutboundEmail
from postmortems.models.pulse import PulseAnswer, PulseParticipant
from postmortems.models.readiness import ReadinessPolicy
from postmortems.models.reviews import Postmortem, TimelineEvent
from postmortems.models.revisions import SectionRevision
from postmortems.models.search_entries import SearchEntry
from postmortems.models.subscriptions import Subscription
from postmortems.models.sweeps import ReminderSweepRecord

__all__ = [
    "RESTORE_DAYS",
    "ActionItem",
    "ActionItemChange",
    "AlertDelivery",
    "AlertEvent",
    "AlertGroup",
    "AlertIntegration",
    "AlertLink",
    "ApiIdempotencyKey",
    "ApiToken",
    "AuditEvent",
    "BeatHeartbeat",
    "BlamelessDismissal",
    "CalendarKey",
    "HealthRollup",
    "Incident",
    "OutboundEmail",
    "Postmortem",
    "PulseAnswer",
    "PulseParticipant",
    "ReadinessPolicy",
    "ReminderSweepRecord",
    "ReviewComment",
    "SearchEntry",
    "SectionRevision",
    "Service",
    "Severity",
    "Subscription",
    "Tag",
    "TeamWebhook",
    "TimelineEvent",
    "not_deleted",
]
