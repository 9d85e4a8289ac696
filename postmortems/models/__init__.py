"""The app's model registry: Django finds the models of postmortems here, those of the
core record (this package's modules) and those of its parts (each part's models.py).

Code imports a model from the module that defines it, never from here: importing this
registry imports every part, which the one-way dependencies forbid below the app's own
wiring (tests/test_dependency_direction.py). Tests and the shell may use it freely."""

from postmortems.alerting.detection.models import DetectionAnswer, DetectionReview
from postmortems.alerting.firings.models import AlertRule, Firing
from postmortems.alerting.models import (
    AlertDelivery,
    AlertEvent,
    AlertGroup,
    AlertIntegration,
    AlertLink,
)
from postmortems.alerting.oncall.models import (
    OnCallPolicy,
    Rotation,
    RotationMember,
    RotationOverride,
    ScheduleFeed,
    Shift,
)
from postmortems.api.models import ApiIdempotencyKey, ApiToken
from postmortems.archive.models import Subscription
from postmortems.blameless.models import BlamelessDismissal
from postmortems.insights.models import HealthRollup, PulseAnswer, PulseParticipant
from postmortems.models.action_changes import ActionItemChange
from postmortems.models.actions import ActionItem
from postmortems.models.catalog import Service, Tag
from postmortems.models.comments import ReviewComment
from postmortems.models.incidents import RESTORE_DAYS, Incident, Severity, not_deleted
from postmortems.models.review_templates import (
    ReviewSectionText,
    ReviewTemplate,
    ReviewTemplateSection,
)
from postmortems.models.reviews import Postmortem, TimelineEvent
from postmortems.models.revisions import SectionRevision
from postmortems.models.search_entries import SearchEntry
from postmortems.notifications.models import (
    BeatHeartbeat,
    CalendarKey,
    OutboundMessage,
    ReminderSweepRecord,
    TeamWebhook,
)
from postmortems.presence.models import ReviewPresence
from postmortems.readiness.models import ReadinessPolicy
from postmortems.recurrence.models import Recurrence
from postmortems.trackers.models import (
    TrackerConnection,
    TrackerDelivery,
    TrackerIssue,
    TrackerPerson,
)

__all__ = [
    "RESTORE_DAYS",
    "ActionItem",
    "ActionItemChange",
    "AlertDelivery",
    "AlertEvent",
    "AlertGroup",
    "AlertIntegration",
    "AlertLink",
    "AlertRule",
    "ApiIdempotencyKey",
    "ApiToken",
    "BeatHeartbeat",
    "BlamelessDismissal",
    "CalendarKey",
    "DetectionAnswer",
    "DetectionReview",
    "Firing",
    "HealthRollup",
    "Incident",
    "OnCallPolicy",
    "OutboundMessage",
    "Postmortem",
    "PulseAnswer",
    "PulseParticipant",
    "ReadinessPolicy",
    "Recurrence",
    "ReminderSweepRecord",
    "ReviewComment",
    "ReviewPresence",
    "ReviewSectionText",
    "ReviewTemplate",
    "ReviewTemplateSection",
    "Rotation",
    "RotationMember",
    "RotationOverride",
    "ScheduleFeed",
    "SearchEntry",
    "SectionRevision",
    "Service",
    "Severity",
    "Shift",
    "Subscription",
    "Tag",
    "TeamWebhook",
    "TimelineEvent",
    "TrackerConnection",
    "TrackerDelivery",
    "TrackerIssue",
    "TrackerPerson",
    "not_deleted",
]
