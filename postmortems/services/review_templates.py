"""Writes of review templates: a team's templates and their sections, which template a
new review starts with, and switching a fresh draft to another template.

Every change to a template is in the audit log (one action, the change in its details).
Reviews copy their layout when they start, so nothing here changes a review's sections
except postmortem_switch_template, and only while nothing is written yet.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Team, User
from audit.models import AuditEvent
from audit.services import audit_record
from postmortems.models.incidents import Incident, Severity
from postmortems.models.review_templates import (
    CUSTOM_PREFIX,
    ReviewSectionText,
    ReviewTemplate,
    ReviewTemplateSection,
)
from postmortems.models.reviews import Postmortem, builtin_layout
from postmortems.readiness.checks import CHECKS
from postmortems.services.locks import postmortem_lock
from postmortems.services.search_index import index_postmortem

BUILTIN = {key: (label, question) for key, label, question in Postmortem.SECTIONS}


def template_for(incident: Incident) -> ReviewTemplate | None:
    """The template a new review of `incident` starts with: the team's template for its
    severity, else the team's default, else None (the built-in one). One query."""
    templates = list(
        ReviewTemplate.objects.filter(team_id=incident.team_id).prefetch_related("sections")
    )
    for template in templates:  # by name: the first wins if two name the severity
        if incident.severity in template.severities:
            return template
    return next((t for t in templates if t.is_team_default), None)


def template_layout(template: ReviewTemplate | None) -> list[dict[str, str]]:
    if template is None:
        return builtin_layout()
    return [
        {"key": s.key, "label": s.label, "question": s.question} for s in template.sections.all()
    ]


def _audit(template: ReviewTemplate, by: User | None, change: str, **details: Any) -> None:
    audit_record(
        action=AuditEvent.Action.REVIEW_TEMPLATE_CHANGED,
        actor=by,
        target=template,
        team=template.team.slug,
        change=change,
        **details,
    )


def _clean_choices(template: ReviewTemplate) -> None:
    template.severities = [s for s in Severity.values if s in template.severities]
    template.checks = [name for name in CHECKS if name in template.checks]
    other = ReviewTemplate.objects.filter(team=template.team).exclude(pk=template.pk)
    for claimed in other.values_list("severities", flat=True):
        taken = set(claimed) & set(template.severities)
        if taken:
            named = ", ".join(sorted(taken))
            raise ValidationError(
                {"severities": f"Another template of the team is already for {named}."}
            )


@transaction.atomic
def review_template_create(
    *,
    team: Team,
    name: str,
    description: str = "",
    severities: list[str] | None = None,
    checks: list[str] | None = None,
    is_team_default: bool = False,
    by: User | None,
) -> ReviewTemplate:
    """A new template, starting from the built-in sections (remove what it does not need).
    Without `checks`, every readiness check applies."""
    template = ReviewTemplate(
        team=team,
        name=name.strip(),
        description=description.strip(),
        severities=severities or [],
        checks=list(CHECKS) if checks is None else checks,
        is_team_default=is_team_default,
    )
    _clean_choices(template)
    if is_team_default:  # the team's default moves to this one (before the check below)
        ReviewTemplate.objects.filter(team=team, is_team_default=True).update(is_team_default=False)
    template.full_clean()
    template.save()
    ReviewTemplateSection.objects.bulk_create(
        ReviewTemplateSection(
            template=template, key=key, label=label, question=question, position=n
        )
        for n, (key, label, question) in enumerate(Postmortem.SECTIONS)
    )
    _audit(template, by, "created", name=template.name)
    return template


@transaction.atomic
def review_template_update(
    *,
    template: ReviewTemplate,
    name: str,
    description: str,
    severities: list[str],
    checks: list[str],
    is_team_default: bool,
    by: User | None,
) -> ReviewTemplate:
    before = template.name
    template.name = name.strip()
    template.description = description.strip()
    template.severities = severities
    template.checks = checks
    template.is_team_default = is_team_default
    _clean_choices(template)
    template.updated_at = timezone.now()
    if is_team_default:
        ReviewTemplate.objects.filter(team=template.team, is_team_default=True).exclude(
            pk=template.pk
        ).update(is_team_default=False)
    template.full_clean()
    template.save()
    _audit(
        template,
        by,
        "details",
        name=template.name,
        renamed_from=before if before != template.name else "",
        severities=template.severities,
        checks=template.checks,
    )
    return template


def _touch(template: ReviewTemplate) -> None:
    ReviewTemplate.objects.filter(pk=template.pk).update(updated_at=timezone.now())


def _custom_key(template: ReviewTemplate, label: str) -> str:
    """A stable key for a new custom section: never changes when it is renamed, so
    the revisions of its texts keep their section."""
    base = CUSTOM_PREFIX + (slugify(label).replace("-", "_")[:20] or "section")
    taken = set(template.sections.values_list("key", flat=True))
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


@transaction.atomic
def review_template_section_add(
    *, template: ReviewTemplate, key: str = "", label: str, question: str, by: User | None
) -> ReviewTemplateSection:
    """Add a section at the end: a built-in one (by `key`) or, without a key, a custom one."""
    if key:
        if key not in BUILTIN:
            raise ValidationError({"key": "Choose one of the built-in sections."})
        if template.sections.filter(key=key).exists():
            raise ValidationError({"key": "The template already has this section."})
        label = label.strip() or BUILTIN[key][0]
        question = question.strip() or BUILTIN[key][1]
    else:
        if not label.strip():
            raise ValidationError({"label": "Name the new section."})
        key = _custom_key(template, label)
    last = template.sections.aggregate(last=Max("position"))["last"]
    section = ReviewTemplateSection(
        template=template,
        key=key,
        label=label.strip(),
        question=question.strip(),
        position=0 if last is None else last + 1,
    )
    section.full_clean()
    section.save()
    _touch(template)
    _audit(template, by, "section added", section=section.key, label=section.label)
    return section


@transaction.atomic
def review_template_section_update(
    *, section: ReviewTemplateSection, label: str, question: str, by: User | None
) -> ReviewTemplateSection:
    section.label = label.strip()
    section.question = question.strip()
    section.full_clean()
    section.save(update_fields=["label", "question"])
    _touch(section.template)
    _audit(section.template, by, "section changed", section=section.key, label=section.label)
    return section


@transaction.atomic
def review_template_section_remove(*, section: ReviewTemplateSection, by: User | None) -> None:
    template = section.template
    if template.sections.count() <= 1:
        raise ValidationError("A template keeps at least one section.")
    section.delete()
    _renumber(template)
    _audit(template, by, "section removed", section=section.key, label=section.label)


@transaction.atomic
def review_template_section_move(
    *, section: ReviewTemplateSection, up: bool, by: User | None
) -> None:
    """Swap the section with its neighbour above (or below); at the end, nothing moves."""
    ordered = list(section.template.sections.select_for_update().order_by("position", "pk"))
    index = next(n for n, s in enumerate(ordered) if s.pk == section.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, row in enumerate(ordered):
        row.position = position
    ReviewTemplateSection.objects.bulk_update(ordered, ["position"])
    _touch(section.template)
    _audit(section.template, by, "section moved", section=section.key, up=up)


def _renumber(template: ReviewTemplate) -> None:
    ordered = list(template.sections.order_by("position", "pk"))
    for position, row in enumerate(ordered):
        row.position = position
    ReviewTemplateSection.objects.bulk_update(ordered, ["position"])
    _touch(template)


def postmortem_has_text(postmortem: Postmortem) -> bool:
    """Anything written in any section, built-in or custom."""
    if any(getattr(postmortem, name).strip() for name in Postmortem.SECTION_NAMES):
        return True
    texts = ReviewSectionText.objects.filter(postmortem=postmortem).values_list("text", flat=True)
    return any(text.strip() for text in texts)


def postmortem_can_switch_template(postmortem: Postmortem) -> bool:
    return postmortem.status == Postmortem.Status.DRAFT and not postmortem_has_text(postmortem)


@transaction.atomic
def postmortem_switch_template(
    *, postmortem: Postmortem, template: ReviewTemplate | None, by: User
) -> Postmortem:
    """Give a draft with no text yet the layout of another template of its team (None:
    the built-in one). Decided on the locked row: a section saved at the same moment
    lands before (and the switch is refused) or after (into the new layout)."""
    locked = postmortem_lock(postmortem_id=postmortem.pk)
    if template is not None and template.team_id != postmortem.incident.team_id:
        raise ValidationError("Choose one of the team's templates.")
    fresh = Postmortem.objects.get(pk=locked.pk)
    if not postmortem_can_switch_template(fresh):
        raise ValidationError(
            "The template can only change while the review is a draft with nothing written."
        )
    postmortem.template = template
    postmortem.layout = template_layout(template)
    postmortem.updated_at = timezone.now()
    postmortem.save(update_fields=["template", "layout", "updated_at"])
    index_postmortem(postmortem.pk)
    return postmortem
