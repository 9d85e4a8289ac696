"""Deterministic factories: sequences and fixed offsets, no randomness."""

import datetime as dt

import factory
from django.db.models import F
from django.utils import timezone

from accounts.models import Membership, Team, User
from postmortems.models import (
    ActionItem,
    AlertIntegration,
    AlertRule,
    DetectionReview,
    Firing,
    Incident,
    Postmortem,
    ReviewComment,
    Service,
    Tag,
    TimelineEvent,
)

PASSWORD = "correct-horse-battery"
BASE_TIME = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    display_name = factory.Sequence(lambda n: f"User {n}")
    time_zone = "UTC"
    password = factory.django.Password(PASSWORD)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    role = Membership.Role.MEMBER


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    name = factory.Sequence(lambda n: f"Service {n}")
    slug = factory.Sequence(lambda n: f"service-{n}")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"tag{n}")
    slug = factory.Sequence(lambda n: f"tag{n}")


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Checkout latency spike {n}")
    team = factory.SubFactory(TeamFactory)
    owner = None
    severity = "SEV2"
    status = Incident.Status.RESOLVED
    started_at = BASE_TIME
    detected_at = factory.LazyAttribute(lambda o: o.started_at + dt.timedelta(minutes=7))
    mitigated_at = factory.LazyAttribute(lambda o: o.started_at + dt.timedelta(minutes=45))
    resolved_at = factory.LazyAttribute(lambda o: o.started_at + dt.timedelta(hours=2))
    # Recorded when it started, as most incidents are; the review clock never runs from
    # before this (Incident.review_clock_started_at).
    created_at = factory.LazyAttribute(lambda o: o.started_at)


class PostmortemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Postmortem

    incident = factory.SubFactory(IncidentFactory)
    summary = "A configuration change reduced connection pool size; checkout slowed."
    impact = "About 4% of checkouts failed for 38 minutes."


class TimelineEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimelineEvent

    postmortem = factory.SubFactory(PostmortemFactory)
    occurred_at = factory.Sequence(lambda n: BASE_TIME + dt.timedelta(minutes=5 * n))
    kind = TimelineEvent.Kind.ACTION
    text = factory.Sequence(lambda n: f"On-call engineer checked dashboard {n}.")


class ActionItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionItem

    postmortem = factory.SubFactory(PostmortemFactory)
    team = factory.LazyAttribute(lambda o: o.postmortem.incident.team)  # as the service sets it
    title = factory.Sequence(lambda n: f"Alert on connection pool saturation {n}")
    owner = factory.SubFactory(UserFactory)
    due_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=14))
    type = ActionItem.Type.DETECT
    verification = ActionItem.Verification.ALERT
    verification_plan = "The saturation alert fires in staging when the pool is held at 95%."


class AlertIntegrationFactory(factory.django.DjangoModelFactory):
    """An integration as a row (tests of the receivers use tests/alerting/support.py,
    which also issues the token)."""

    class Meta:
        model = AlertIntegration

    team = factory.SubFactory(TeamFactory)
    kind = AlertIntegration.Kind.ALERTMANAGER
    name = factory.Sequence(lambda n: f"Prometheus {n}")
    severity_map = factory.LazyFunction(
        lambda: {"critical": "SEV1", "page": "SEV2", "warning": "SEV3", "info": "SEV4"}
    )


class AlertRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AlertRule

    integration = factory.SubFactory(AlertIntegrationFactory)
    team = factory.LazyAttribute(lambda o: o.integration.team)
    name = factory.Sequence(lambda n: f"DiskAlmostFull{n}")
    runbook_url = "https://runbooks.example.com/disk"
    first_seen_at = BASE_TIME
    last_seen_at = BASE_TIME


class FiringFactory(factory.django.DjangoModelFactory):
    """One episode of an alert, as the receivers record it (firings/ingest.py): set the
    flags the receivers would have set (channel, out_of_hours, acted_on...) explicitly."""

    class Meta:
        model = Firing

    rule = factory.SubFactory(AlertRuleFactory)
    team = factory.LazyAttribute(lambda o: o.rule.team)
    integration = factory.LazyAttribute(lambda o: o.rule.integration)
    external_key = factory.Sequence(lambda n: f"fingerprint{n:06x}")
    severity_sent = "critical"
    severity = "SEV1"
    channel = "phone"
    runbook_url = factory.LazyAttribute(lambda o: o.rule.runbook_url)
    fired_at = BASE_TIME
    resolved_at = factory.LazyAttribute(lambda o: o.fired_at + dt.timedelta(minutes=20))


class DetectionReviewFactory(factory.django.DjangoModelFactory):
    """A detection review as the authors left it: found by a person, marked reviewed
    (an incident no alert caught, as the factories' incidents are)."""

    class Meta:
        model = DetectionReview

    postmortem = factory.SubFactory(PostmortemFactory)
    found_by = DetectionReview.Found.PERSON
    reviewed_at = factory.LazyAttribute(lambda o: o.postmortem.incident.started_at)


# Plain words that no search or feed test looks for, so completing a review for
# publishing changes nothing those tests see.
COMPLETE_SECTIONS = {
    "contributing_factors": "Several conditions combined.",
    "went_well": "Escalation worked.",
    "went_wrong": "Handover took long.",
    "got_lucky": "Traffic was low.",
}


def complete_postmortem(postmortem=None, *, items=1, **fields):
    """A postmortem that passes every readiness check (postmortems/readiness/checks.py): all
    sections written, a timeline with detection, mitigation and resolution, `items`
    owned, dated, typed action items, and a reviewed detection review. Pass `postmortem`
    to complete an existing one: its blank sections are filled in, the others kept."""
    if postmortem is None:
        postmortem = PostmortemFactory(**{**COMPLETE_SECTIONS, **fields})
    else:
        # Fill what is blank; what the test wrote stays.
        blanks = {
            "summary": "Something broke.",
            "impact": "Lasted 38 minutes.",
            **COMPLETE_SECTIONS,
        }
        for name, text in blanks.items():
            if not getattr(postmortem, name).strip():
                setattr(postmortem, name, text)
        for name, text in fields.items():
            setattr(postmortem, name, text)
        postmortem.save()
    start = postmortem.incident.started_at
    for minutes, kind in [(7, "detection"), (45, "mitigation"), (120, "resolution")]:
        TimelineEventFactory(
            postmortem=postmortem,
            occurred_at=start + dt.timedelta(minutes=minutes),
            kind=kind,
            text=f"{kind.title()}.",
        )
    ActionItemFactory.create_batch(
        items, postmortem=postmortem, title=factory.Sequence(lambda n: f"Add rollout check {n}")
    )
    review = DetectionReview.objects.filter(postmortem=postmortem).first()
    if review is None:
        DetectionReviewFactory(postmortem=postmortem)
    else:  # opened in the editor already: its suggestions confirmed as they stand
        review.answers.filter(passed__isnull=True).update(passed=F("suggested"))
        review.found_by = review.found_by or DetectionReview.Found.PERSON
        review.reviewed_at = review.reviewed_at or start
        review.save()
    return postmortem


class ReviewCommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewComment

    postmortem = factory.SubFactory(PostmortemFactory, status="in_review")
    section = "summary"
    text = factory.Sequence(lambda n: f"Could we say more about the pool change? ({n})")
    author = factory.SubFactory(UserFactory)


def review(*, team=None, services=(), tags=(), restricted=False, published=True, days=0, **extra):
    """A review of a new incident; published `days` after BASE_TIME unless `published=False`."""
    incident = IncidentFactory(team=team or TeamFactory(), restricted=restricted, **extra)
    incident.services.set(services)
    postmortem = PostmortemFactory(
        incident=incident,
        status="published" if published else "draft",
        published_at=BASE_TIME + dt.timedelta(days=days) if published else None,
    )
    postmortem.tags.set(tags)
    return postmortem


def incident_resolved_ago(*, now: dt.datetime, hours: float, **extra):
    """An incident that started two hours before it resolved, `hours` before `now`: the
    review clock of the reminder tests."""
    started = now - dt.timedelta(hours=hours + 2)
    return IncidentFactory(
        started_at=started,
        detected_at=started,
        mitigated_at=started,
        resolved_at=now - dt.timedelta(hours=hours),
        **extra,
    )
