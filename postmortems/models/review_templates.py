"""Review templates: a team's own layouts of the review's Markdown sections.

The built-in layout (Postmortem.SECTIONS) is code, not a row; a team adds templates of
its own (a near miss, a security review, a short SEV4 review). A template lists its
sections in order: a built-in section by its key (perhaps renamed, with its own
guiding question) or a custom one (key "c_..."), whose text lives in ReviewSectionText.

A review copies the layout of its template when it starts (Postmortem.layout), so
editing a template later never changes the reviews written with it. Every reader of a
review's sections asks `review_sections(postmortem)` for them, in order.
"""

import uuid
from dataclasses import dataclass

from django.db import models
from django.db.models import Q, prefetch_related_objects
from django.utils import timezone

from postmortems.models.reviews import Postmortem

CUSTOM_PREFIX = "c_"  # the keys of custom sections; built-in keys never start with it


def is_custom_key(key: str) -> bool:
    return key.startswith(CUSTOM_PREFIX)


class ReviewTemplate(models.Model):
    """One team's layout of a review, and which readiness checks apply to it."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=80)
    description = models.TextField(blank=True, help_text="When to use this template.")
    # The severities whose new reviews start with this template (e.g. ["SEV4"]).
    severities = models.JSONField(default=list, blank=True)
    # Names of readiness checks (postmortems/readiness/checks.py) that apply; the others
    # are not shown for its reviews. Unknown names are ignored.
    checks = models.JSONField(default=list, blank=True)
    # The team's template for severities no template names.
    is_team_default = models.BooleanField("default for the team", default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            # Also the index of the team's template list (by team, then name).
            models.UniqueConstraint(
                fields=["team", "name"], name="postmortems_reviewtemplate_unique_name"
            ),
            models.UniqueConstraint(
                fields=["team"],
                condition=Q(is_team_default=True),
                name="postmortems_reviewtemplate_one_default_per_team",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ReviewTemplateSection(models.Model):
    """One section of a template, in its place."""

    template = models.ForeignKey(ReviewTemplate, on_delete=models.CASCADE, related_name="sections")
    key = models.CharField(max_length=30)  # a built-in section's name, or "c_..."
    label = models.CharField(max_length=80)
    question = models.CharField("guiding question", max_length=300, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "key"], name="postmortems_reviewtemplatesection_unique_key"
            ),
        ]
        indexes = [
            # A template's sections in order: its page, and every review it starts.
            models.Index(fields=["template", "position"], name="pm_tplsection_tpl_pos"),
        ]

    def __str__(self) -> str:
        return self.label


class ReviewSectionText(models.Model):
    """The text of one custom section of one review.

    A row per section rather than a JSON map on the postmortem: the search index builds
    its text with one SQL aggregate over these rows, as it does over timeline events;
    a save touches one small row; and the unique constraint says one text per section.
    Written only by postmortem_update_section, under the postmortem's row lock, like
    the built-in sections (the same conflict check and revision history).
    """

    postmortem = models.ForeignKey(
        Postmortem, on_delete=models.CASCADE, related_name="custom_sections"
    )
    key = models.CharField(max_length=30)
    text = models.TextField(blank=True)

    class Meta:
        constraints = [
            # Also the index of a review's custom texts and of the search index's aggregate.
            models.UniqueConstraint(
                fields=["postmortem", "key"], name="postmortems_reviewsectiontext_unique_key"
            ),
        ]

    def __str__(self) -> str:
        return self.key


@dataclass
class ReviewSection:
    key: str
    label: str
    question: str
    text: str

    @property
    def custom(self) -> bool:
        return is_custom_key(self.key)


def layout_keys(postmortem: Postmortem) -> list[str]:
    return [part["key"] for part in postmortem.layout]


def review_sections(postmortem: Postmortem) -> list[ReviewSection]:
    """The review's sections in order, with label, guiding question and text.

    No query for a review without custom sections; else one, the first time for this
    instance (the texts are prefetched onto it; writers drop that cache)."""
    texts: dict[str, str] = {}
    if any(is_custom_key(key) for key in layout_keys(postmortem)):
        prefetch_related_objects([postmortem], "custom_sections")
        texts = {row.key: row.text for row in postmortem.custom_sections.all()}
    return [
        ReviewSection(
            key=part["key"],
            label=part["label"],
            question=part.get("question", ""),
            text=texts.get(part["key"], "")
            if is_custom_key(part["key"])
            else getattr(postmortem, part["key"]),
        )
        for part in postmortem.layout
    ]


def opening_section(postmortem: Postmortem) -> ReviewSection | None:
    """What an announcement quotes: the summary when the layout has one, else the
    first section that has text."""
    parts = review_sections(postmortem)
    summary = next((p for p in parts if p.key == "summary"), None)
    return summary or next((p for p in parts if p.text.strip()), None)


def section_text(postmortem: Postmortem, key: str) -> str:
    """The text of one section of the review ("" for a custom one not written yet)."""
    if not is_custom_key(key):
        return getattr(postmortem, key)
    found = ReviewSectionText.objects.filter(postmortem=postmortem, key=key)
    return found.values_list("text", flat=True).first() or ""


def section_labels(postmortem: Postmortem) -> dict[str, str]:
    """key -> label for the review's layout, and the built-in labels for sections it
    no longer shows (their old revisions keep a name)."""
    labels = {name: label for name, label, _help in Postmortem.SECTIONS}
    return {**labels, **{part["key"]: part["label"] for part in postmortem.layout}}


def forget_section_texts(postmortem: Postmortem) -> None:
    """Drop the prefetched custom texts after a write, so the next read sees it."""
    cache = getattr(postmortem, "_prefetched_objects_cache", None)
    if cache:
        cache.pop("custom_sections", None)
