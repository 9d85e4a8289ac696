import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from postmortems.models.fields import BoundedDateField, BoundedDateTimeField, created_by_field


# The overdue rule, once. An action item is overdue on `today` (the viewer's local date,
# or the owner's for what is sent to the owner) when it is unfinished and its due date
# is before that day. Due today is not overdue; an item without a due date never is.
# The queryset method, the instance predicate and the plain function below all say this;
# tests/core/test_overdue_rule.py checks that they agree.
def due_before(today: datetime.date) -> Q:
    """The date half of the rule, for counts over rows already known to be unfinished
    (dashboard.headline_counts keeps its aggregate on the open-items index's columns)."""
    return Q(due_date__lt=today)


def overdue_condition(today: datetime.date) -> Q:
    """The whole rule as a condition, for filters through a relation or in aggregates."""
    return Q(status__in=ActionItem.UNFINISHED) & due_before(today)


# The commitments rule, once: ideas are kept and searchable, but only commitments are
# work. Reminders, digests, overdue counts, the calendar feed, tracker sync and every
# completion metric read committed() (or the unfinished statuses, which hold no ideas);
# tests/core/test_commitments_only.py checks the surfaces that count.
def committed_condition(prefix: str = "") -> Q:
    """Committed items (not ideas) as a condition, e.g. through a relation."""
    return Q(**{f"{prefix}status__in": ActionItem.COMMITTED})


class ActionItemQuerySet(models.QuerySet):
    def overdue(self, *, today: datetime.date) -> "ActionItemQuerySet":
        """Items overdue on `today` (see the rule above)."""
        return self.filter(overdue_condition(today))

    def committed(self) -> "ActionItemQuerySet":
        """Commitments: everything but ideas (the rule above)."""
        return self.filter(committed_condition())

    def ideas(self) -> "ActionItemQuerySet":
        return self.filter(status=ActionItem.Status.IDEA)


def verification_errors(verification: str, plan: str) -> dict[str, str]:
    """What is wrong with a verification and its plan, by field ({} when nothing):
    "no check possible" needs the reason, and a plan needs the kind of check it is."""
    if verification == ActionItem.Verification.NONE and not plan.strip():
        return {"verification_plan": "Say why no check is possible."}
    if plan.strip() and not verification:
        return {
            "verification": "Choose how we will know it worked: a test, an alert, a "
            "metric, a drill, or no check possible."
        }
    return {}


def owner_deleted(collector, field, sub_objs, using) -> None:
    """on_delete of ActionItem.owner: SET_NULL, and a change the API's sync must see
    (the deletion's UPDATE of the items sets updated_at too)."""
    models.SET_NULL(collector, field, sub_objs, using)
    collector.add_field_update(field.model._meta.get_field("updated_at"), timezone.now(), sub_objs)


class ActionItem(models.Model):
    class Priority(models.TextChoices):
        HIGH = "high", "High"
        MEDIUM = "medium", "Medium"
        LOW = "low", "Low"

    class Type(models.TextChoices):
        PREVENT = "prevent", "Prevent"
        DETECT = "detect", "Detect"
        MITIGATE = "mitigate", "Mitigate"
        PROCESS = "process", "Process"

    class Status(models.TextChoices):
        # An idea is kept, searchable, but not committed to: no owner, date or type is
        # needed, and nothing counts it (reminders, digests, overdue, tracker sync,
        # completion metrics all read commitments only). Committing it makes it open.
        IDEA = "idea", "Idea"
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        WONT_DO = "wont_do", "Won't do"

    class Verification(models.TextChoices):
        """How we will know the fix worked: the check a committed item names."""

        TEST = "test", "A test"
        ALERT = "alert", "An alert"
        METRIC = "metric", "A metric"
        DRILL = "drill", "A drill"
        NONE = "none", "No check possible"

    class Outcome(models.TextChoices):
        """What the owner found when the verification date came."""

        WORKED = "worked", "It worked"
        DID_NOT_WORK = "did_not_work", "It did not work"
        CANNOT_TELL = "cannot_tell", "Cannot tell"

    FINISHED = (Status.DONE, Status.WONT_DO)
    UNFINISHED = (Status.OPEN, Status.IN_PROGRESS)
    # Everything but ideas: what reminders, digests, metrics and tracker sync count.
    COMMITTED = (Status.OPEN, Status.IN_PROGRESS, Status.DONE, Status.WONT_DO)

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    postmortem = models.ForeignKey(
        "postmortems.Postmortem", on_delete=models.CASCADE, related_name="action_items"
    )
    # The incident's owning team, copied here so the dashboard filters items by team
    # on their own indexes instead of joining postmortem -> incident for every open
    # item of every team. Set by action_item_create and moved with the incident by
    # action_items_follow_incident (postmortems/services/actions.py).
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        db_index=False,  # the indexes below all start with the team
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=owner_deleted,
        related_name="action_items",
    )
    due_date = BoundedDateField(null=True, blank=True)
    priority = models.CharField(max_length=10, choices=Priority, default=Priority.MEDIUM)
    # Blank until the author chooses: a type picked by default says nothing, and
    # postmortems/readiness/action_quality.py flags items whose type was never chosen.
    type = models.CharField(max_length=10, choices=Type, blank=True, default="")
    status = models.CharField(max_length=15, choices=Status, default=Status.OPEN)
    wont_do_reason = models.TextField("reason for won't do", blank=True)
    tracker_url = models.URLField("tracker link", max_length=500, blank=True)
    # How we will know it worked: a check of the kind named, described in the plan
    # (for "none", the plan says why no check is possible). Blank until chosen; the
    # action item lint flags committed items without one.
    verification = models.CharField(
        "how we will know it worked", max_length=10, choices=Verification, blank=True, default=""
    )
    verification_plan = models.TextField("verification plan", blank=True)
    # Set when the item is done (by default ACTION_VERIFY_AFTER_DAYS later, in the
    # owner's calendar); the owner is asked for the outcome on that day.
    verify_on = BoundedDateField("verify on", null=True, blank=True)
    outcome = models.CharField(max_length=15, choices=Outcome, blank=True, default="")
    outcome_evidence = models.URLField("evidence link", max_length=500, blank=True)
    outcome_note = models.TextField("what we saw", blank=True)
    outcome_at = BoundedDateTimeField(null=True, blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The item that replaced this one when its fix did not work.
    follow_up_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    # Bumped on every edit; a save names the revision it started from (see services.edits).
    revision = models.PositiveIntegerField(default=0, editable=False)
    completed_at = BoundedDateTimeField(null=True, blank=True)
    created_by = created_by_field()
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Every write sets it (services/actions.py, services/action_changes.py, the team
    # following its incident, the admin): the API's `updated_after` sync reads it.
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ActionItemQuerySet.as_manager()

    # Not columns: set by attach_assignees (postmortems/selectors.py) for the row's
    # reassign select, as (user pk as text, name) pairs and the pk shown selected.
    assignees: list[tuple[str, str]]
    assignee_chosen: str

    class Meta:
        ordering = ["due_date", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="wont_do") | ~Q(wont_do_reason=""),
                name="postmortems_actionitem_wont_do_has_reason",
                violation_error_message="Say why this action item won't be done.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["done", "wont_do"], completed_at__isnull=False)
                | Q(status__in=["idea", "open", "in_progress"], completed_at__isnull=True),
                name="postmortems_actionitem_completed_when_finished",
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome_at__isnull=False),
                name="postmortems_actionitem_outcome_has_time",
            ),
        ]
        # Every index below ends with the postmortem: lists and counts leave out the
        # items of deleted incidents by it (selectors.deleted_postmortems), and with it
        # in the index PostgreSQL still counts from the index alone (bench/README.md).
        indexes = [
            # Open items by due date: the overdue reminders and the lead dashboard.
            models.Index(
                fields=["due_date", "owner", "postmortem"],
                name="pm_action_open_due",
                condition=Q(status__in=["open", "in_progress"]),
            ),
            # Review health counts this month's opened and finished items live
            # (postmortems/insights/health.py); older months come from HealthRollup.
            # Only commitments are counted (ideas are not work): partial on that, so the
            # count still comes from the index alone.
            models.Index(
                fields=["created_at", "postmortem"],
                name="pm_action_created",
                condition=Q(status__in=["open", "in_progress", "done", "wont_do"]),
            ),
            # The same three for one team's dashboard (postmortems/insights/dashboard.py): its
            # open items by due date (lists, headline counts and load per owner, the
            # counts from the index alone), and this month's opened and finished items.
            models.Index(
                fields=["team", "due_date", "owner", "postmortem"],
                name="pm_action_team_open_due",
                condition=Q(status__in=["open", "in_progress"]),
            ),
            models.Index(
                fields=["team", "created_at", "postmortem"],
                name="pm_action_team_created",
                condition=Q(status__in=["open", "in_progress", "done", "wont_do"]),
            ),
            models.Index(
                fields=["team", "completed_at", "status", "due_date", "postmortem"],
                name="pm_action_team_completed",
                condition=Q(completed_at__isnull=False),
            ),
            models.Index(
                fields=["completed_at", "status", "due_date", "postmortem"],
                name="pm_action_completed",
                condition=Q(completed_at__isnull=False),
            ),
            # Every item in the item list's order (dashboard.filtered_items): its All
            # and Finished states over all teams read the first rows of the index
            # instead of sorting 500,000 (a team's few thousand sort in milliseconds).
            # No postmortem here: the rows shown are read anyway.
            models.Index(fields=["due_date", "id"], name="pm_action_due"),
            # Items changed since a moment, in the order a sync reads them
            # (GET /api/v1/action-items?updated_after=...): a range scan, no sort.
            models.Index(fields=["updated_at", "id"], name="pm_action_updated"),
            # Done items waiting for their outcome, by verification date: the
            # verification reminder, My work and the dashboard's "done, not verified".
            models.Index(
                fields=["verify_on", "owner", "postmortem"],
                name="pm_action_verify_due",
                condition=Q(status="done", outcome=""),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if errors := verification_errors(self.verification, self.verification_plan):
            raise ValidationError(errors)

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def is_idea(self) -> bool:
        return self.status == self.Status.IDEA

    @property
    def awaits_outcome(self) -> bool:
        """Done, and nobody has said yet whether the fix worked."""
        return self.status == self.Status.DONE and not self.outcome

    def is_overdue_on(self, today: datetime.date) -> bool:
        """The overdue rule (top of this module) for this item on `today`: the same
        answer as whether `ActionItem.objects.overdue(today=today)` holds it."""
        return days_overdue(self.status, self.due_date, today) > 0

    def days_overdue_on(self, today: datetime.date) -> int:
        """Whole days past the due date on `today`; 0 when not overdue."""
        return days_overdue(self.status, self.due_date, today)


def days_overdue(status: str, due_date: datetime.date | None, today: datetime.date) -> int:
    """Whole days an item in `status`, due on `due_date`, is past due on `today` (the
    viewer's local date); 0 when not overdue by the rule at the top of this module.
    For rows read without a model instance (postmortems/insights/csv_download.py) as for items."""
    if status not in ActionItem.UNFINISHED or due_date is None or due_date >= today:
        return 0
    return (today - due_date).days
