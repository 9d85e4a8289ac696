"""The demo's review templates: Platform's "Near miss" and "Short SEV4".

Seeded after the stories, so the demo's reviews keep the built-in sections they were
written in; the next SEV4 (or near miss) review of Platform uses the templates."""

from accounts.models import Team, User
from postmortems.models.review_templates import ReviewTemplate
from postmortems.services.review_templates import (
    review_template_create,
    review_template_section_add,
    review_template_section_remove,
)

NEAR_MISS = [
    ("What nearly happened", "What would users have seen, and when?"),
    ("What stopped it", "Which check, alert or person caught it, by design or by luck?"),
]


def seed_review_templates(*, team: Team, lead: User) -> list[ReviewTemplate]:
    near_miss = review_template_create(
        team=team,
        name="Near miss",
        description="Nothing broke for users, but it almost did.",
        checks=["summary", "actionable_items", "blameless"],
        by=lead,
    )
    _keep_only(near_miss, {"summary", "lessons"}, lead)
    for label, question in NEAR_MISS:
        review_template_section_add(template=near_miss, label=label, question=question, by=lead)
    short = review_template_create(
        team=team,
        name="Short SEV4",
        description="A few lines for minor incidents.",
        severities=["SEV4"],
        checks=["summary", "action_items", "actionable_items", "blameless"],
        by=lead,
    )
    _keep_only(short, {"summary", "lessons"}, lead)
    review_template_section_add(
        template=short,
        label="What we changed",
        question="What is different now, so it does not happen again?",
        by=lead,
    )
    return [near_miss, short]


def _keep_only(template: ReviewTemplate, keys: set[str], lead: User) -> None:
    for section in list(template.sections.all()):
        if section.key not in keys:
            review_template_section_remove(section=section, by=lead)
