"""Blameless findings of one postmortem, minus the ones its authors dismissed.

Reads only. `open_findings(postmortem)` is what a readiness check ("no open blameless
findings") asks; the editor uses `section_findings` for the text being typed.
"""

from dataclasses import dataclass

from lib.prepared import Prepared
from lib.text_cache import by_text
from postmortems.blameless.checker import Finding, check
from postmortems.blameless.models import BlamelessDismissal
from postmortems.models.review_templates import review_sections
from postmortems.models.reviews import Postmortem, TimelineEvent

TIMELINE = "timeline"
# The built-in sections and the timeline; custom sections of a review's layout too
# (their keys start with "c_", see postmortems/models/review_templates.py).
CHECKED_SECTIONS = (*Postmortem.SECTION_NAMES, TIMELINE)
CONTEXT_CHARS = 40
# Part of the cache key: bump it when the rules change.
RULES_VERSION = "3"

DismissedKeys = set[tuple[str, str, str]]  # (section, category, excerpt)


@dataclass(frozen=True)
class OpenFinding:
    section: str  # a section name, or "timeline"
    finding: Finding
    text: str  # the text the offsets refer to
    event: TimelineEvent | None = None

    @property
    def label(self) -> str:
        return BlamelessDismissal.Category(self.finding.category).label

    @property
    def excerpt(self) -> str:
        return self.finding.excerpt(self.text)

    @property
    def before(self) -> str:
        start = max(0, self.finding.start - CONTEXT_CHARS)
        return ("…" if start else "") + self.text[start : self.finding.start]

    @property
    def after(self) -> str:
        end = self.finding.end + CONTEXT_CHARS
        return self.text[self.finding.end : end] + ("…" if end < len(self.text) else "")


def findings_of(text: str) -> list[Finding]:
    """check(text), from the cache for long texts (lib/text_cache.py): the
    editor and the readiness checks ask on every page load, and a long section costs
    the check about a second."""
    return by_text(f"blameless:{RULES_VERSION}", text, check)


def dismissed_keys(postmortem: Postmortem) -> DismissedKeys:
    return set(_DISMISSED(postmortem=postmortem.pk))


# Read by every editor load: compiled once per process (lib/prepared.py).
_DISMISSED = Prepared(
    lambda postmortem: BlamelessDismissal.objects.filter(postmortem=postmortem).values_list(
        "section", "category", "excerpt"
    )
)


def section_findings(
    section: str, text: str, dismissed: DismissedKeys, event: TimelineEvent | None = None
) -> list[OpenFinding]:
    return [
        OpenFinding(section, finding, text, event)
        for finding in findings_of(text)
        if (section, finding.category, finding.excerpt(text)) not in dismissed
    ]


def timeline_findings(events: list[TimelineEvent], dismissed: DismissedKeys) -> list[OpenFinding]:
    return [
        found
        for event in events
        for found in section_findings(TIMELINE, event.text, dismissed, event)
    ]


def open_findings(postmortem: Postmortem) -> list[OpenFinding]:
    """Every finding in the sections and the timeline that nobody dismissed, in the
    order the editor shows them. Two queries: dismissals and timeline events (none when
    the events are already prefetched)."""
    dismissed = dismissed_keys(postmortem)
    found = [
        item
        for section in review_sections(postmortem)
        for item in section_findings(section.key, section.text, dismissed)
    ]
    return found + timeline_findings(list(postmortem.timeline_events.all()), dismissed)
